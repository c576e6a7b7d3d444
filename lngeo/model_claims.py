r"""Chapter 7's measured facts about all-MiniLM-L6-v2, each computed, never typed.

Every number the chapter's prose states about the real model — a range over the 13
LayerNorms, a count, a neuron's index, a share, an angle — is a value of one of the
functions below. Each returns an ordered ``dict`` ``name → (value, spec)``, ready for
:func:`glue_claims` (which glues every entry with :func:`lngeo.prose.glue`), so the
markdown shows ``{glue:md}`name:myst``` and the ledger (``tools/ledger.py``) can check
that nothing was typed by hand.

* :func:`table_claims` — ranges of the per-LayerNorm table (semi-axes, spread, tilt, ``|b|``).
* :func:`tilt_claims` — the closed form ``tan θ = std(1/g)/|mean(1/g)|`` against the table.
* :func:`spectrum_claims` — how close the semi-axes are to the sorted gains times ``√N``.
* :func:`outlier_claims` — the longest axis of each attention LayerNorm, neuron 99's spread,
  the three outlier neurons of the last LayerNorm.
* :func:`last_layer_claims` — the last LayerNorm's near-zero gains and what they collapse.
* :func:`token_claims` — the corpus: how far below the surface, how far from ``1⟂``.
* :func:`dead_direction_claims` — the normal ``α`` as a zero-variance direction of outputs.
* :func:`residual_claims` — the output equations on the numpy re-implementation's outputs.

:data:`TORCH_TOLERANCE` holds the agreement with the torch reference that
``tests/test_models.py`` asserts (torch is not a requirement of the book, so the chapter
states the tested bound, not a measurement of its own).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from collections.abc import Mapping

from ._checks import as_eps
from .core import layer_norm, project, radial_fraction
from .geometry import ellipsoid_contains, principal_axes, semi_axes, slice_coordinates
from .model_geometry import (
    NEAR_ZERO,
    LayerGeometry,
    near_zero_gains,
    output_residuals,
    random_share_quantiles,
    share_along_ones,
    short_name,
    surface_gap,
)
from .normal_direction import dead_direction, tilt_from_inverse_gains

__all__ = [
    "TORCH_TOLERANCE",
    "glue_claims",
    "table_claims",
    "tilt_claims",
    "spectrum_claims",
    "outlier_claims",
    "last_layer_claims",
    "token_claims",
    "token_exercise_claims",
    "dead_direction_claims",
    "residual_claims",
]

#: Bounds ``tests/test_models.py`` asserts between :func:`lngeo.models.encode` (float64 numpy,
#: LayerNorms by :func:`lngeo.layer_norm`) and sentence-transformers on torch (float32), on
#: the corpus: max ``|Δ|`` over every LayerNorm output, and over the normalised embeddings.
TORCH_TOLERANCE = {"layernorm_output": 2e-5, "embedding": 1e-6}

Claims = dict  # name -> (value, spec)



def _check_claim_inputs(arguments: dict) -> None:
    """The shared checks of this module's inputs, by argument name."""
    if "layernorms" in arguments and not isinstance(arguments["layernorms"], Mapping):
        raise TypeError("layernorms must be the dict {name: LayerNormParams} of "
                        f"models.load_layernorms(), got {type(arguments['layernorms']).__name__}")
    if "run" in arguments and not all(
        hasattr(arguments["run"], a) for a in ("layernorm_inputs", "layernorm_outputs")
    ):
        raise TypeError("run must be a models.Encoding with record=True (e.g. "
                        f"model_geometry.corpus_encoding()), got {type(arguments['run']).__name__}")
    if "rows" in arguments and (not isinstance(arguments["rows"], (list, tuple)) or not all(
        isinstance(r, LayerGeometry) for r in arguments["rows"]
    )):
        raise TypeError("rows must be the list of LayerGeometry from model_geometry(), "
                        f"got {type(arguments['rows']).__name__}")
    if "claims" in arguments and not isinstance(arguments["claims"], Mapping):
        raise TypeError(f"claims must be a dict name -> (value, spec), "
                        f"got {type(arguments['claims']).__name__}")
    if "tol" in arguments:
        as_eps(arguments["tol"], "tol")


def glue_claims(claims: Claims) -> str:
    """Glue every ``name → (value, spec)`` of ``claims`` into the page; return one line of them.

    Examples
    --------
    >>> glue_claims({"n": (41, "int"), "x": (0.0853, ".3f")})
    'n = 41, x = 0.085'
    """
    _check_claim_inputs({"claims": claims})
    from .prose import glue

    return ", ".join(f"{name} = {glue(name, value, spec)}" for name, (value, spec) in claims.items())


def _names(labels) -> str:
    """'0 attn', '3 out' and '4 attn' (code-formatted labels joined in prose)."""
    quoted = [f"`{x}`" for x in labels]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _ints(values) -> str:
    values = [str(int(v)) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def table_claims(layernorms, rows: list[LayerGeometry]) -> Claims:
    """Ranges over the table of :func:`lngeo.model_geometry.model_geometry`.

    "Ordinary" LayerNorms are those without near-zero gains (all but ``5 out``).

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> from lngeo.model_geometry import model_geometry
    >>> lns = load_layernorms()
    >>> c = table_claims(lns, model_geometry(lns))
    >>> c["last_label"][0], c["tilt_hi"][0] < 20 < c["last_tilt"][0]
    ('5 out', True)
    """
    _check_claim_inputs({"layernorms": layernorms, "rows": rows})
    n = rows[0].n
    ordinary = [r for r in rows if r.near_zero == 0]
    attn = [r for r in rows if r.label.endswith("attn")]
    out = [r for r in rows if r.label.endswith("out")]
    last = rows[-1]
    root = math.sqrt(n)
    lo, hi = _attention_axes_above_sphere(layernorms)
    return {
        "sqrt_n": (root, ".1f"),
        "attn_above_lo": (lo, "int"),
        "attn_above_hi": (hi, "int"),
        "near_zero_tol": (NEAR_ZERO, "sci:1"),
        "attn_smax_lo": (min(r.semi_max for r in attn), ".0f"),
        "attn_smax_hi": (max(r.semi_max for r in attn), ".0f"),
        "out_smax_lo": (min(r.semi_max for r in out), ".0f"),
        "out_smax_hi": (max(r.semi_max for r in out), ".0f"),
        "out_all_inside": (sum(r.semi_max < root for r in out), "int"),
        "n_out": (len(out), "int"),
        "spread_lo": (min(r.spread for r in ordinary), ".1f"),
        "spread_hi": (max(r.spread for r in ordinary), ".1f"),
        "tilt_lo": (min(r.tilt_deg for r in ordinary), "deg:1"),
        "tilt_hi": (max(r.tilt_deg for r in ordinary), "deg:1"),
        "bias_lo": (min(r.bias_norm for r in rows), ".1f"),
        "bias_hi": (max(r.bias_norm for r in rows), ".1f"),
        "last_label": (last.label, ""),
        "last_smin": (last.semi_min, "sci"),
        "last_tilt": (last.tilt_deg, "deg:1"),
        "last_negative": (last.negative, "int"),
        "last_near_zero": (last.near_zero, "int"),
        "last_dim": (last.dimension, "int"),
    }


def _attention_axes_above_sphere(layernorms) -> tuple[int, int]:
    """Return the fewest and most semi-axes longer than ``√N`` over the attention LayerNorms."""
    counts = []
    for name, p in layernorms.items():
        if short_name(name).endswith("attn"):
            g = p.gain
            counts.append(int(np.sum(semi_axes(g) > math.sqrt(g.size))))
    return min(counts), max(counts)


def tilt_claims(layernorms, rows: list[LayerGeometry]) -> Claims:
    r"""The closed form ``tan θ = std(1/g)/|mean(1/g)|`` against the table's tilt column.

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> from lngeo.model_geometry import model_geometry
    >>> lns = load_layernorms()
    >>> tilt_claims(lns, model_geometry(lns))["tilt_cv_error"][0] < 1e-9
    True
    """
    _check_claim_inputs({"layernorms": layernorms, "rows": rows})
    errors = [abs(tilt_from_inverse_gains(p.gain) - r.tilt_deg) for p, r in zip(layernorms.values(), rows)]
    return {"tilt_cv_error": (max(errors), "sci:1")}


def spectrum_claims(layernorms, tol: float = 0.025) -> Claims:
    r"""How close each semi-axis is to the nearer of its two interlacing bounds.

    For each LayerNorm, ``max_k min(|s_k/ℓ_k − 1|, |s_k/u_k − 1|)`` with
    ``ℓ_k = √N|g|_(k)``, ``u_k = √N|g|_(k+1)`` (sorted ascending): the worst relative
    distance of a semi-axis from a sorted gain times ``√N``. Counts the LayerNorms where
    it is at most ``tol``.

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> c = spectrum_claims(load_layernorms())
    >>> c["n_close"][0], c["far_labels"][0]
    (12, '`5 out`')
    """
    _check_claim_inputs({"layernorms": layernorms, "tol": tol})
    worst = {}
    for name, p in layernorms.items():
        g = p.gain
        s = semi_axes(g)[::-1]  # ascending
        bounds = np.sort(np.abs(g)) * math.sqrt(g.size)
        lo, hi = bounds[:-1], bounds[1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            near = np.minimum(np.abs(s / lo - 1), np.abs(s / hi - 1))
        worst[short_name(name)] = float(np.nanmax(near))
    close = {k: v for k, v in worst.items() if v <= tol}
    far = {k: v for k, v in worst.items() if v > tol}
    return {
        "spec_tol": (tol, ".1%"),
        "n_close": (len(close), "int"),
        "n_layernorms": (len(worst), "int"),
        "close_worst": (max(close.values()), ".1%"),
        "close_worst_label": (f"`{max(close, key=close.get)}`", ""),
        "far_labels": (_names(far), ""),
        "far_worst": (max(far.values()) if far else 0.0, ".0%"),
    }


def _cls_on_rim(layernorms, run, sentence: int = 0, rim: float = 0.9) -> list[int]:
    """Layers whose attention LayerNorm puts the sentence's [CLS] at ``|c_1| > rim``."""
    row = int(np.flatnonzero((run.token_sentence == sentence) & (run.token_position == 0))[0])
    layers = []
    for name, p in layernorms.items():
        if short_name(name).endswith("attn"):
            s, u = principal_axes(p.gain)
            c1 = float(u[0] @ (run.layernorm_outputs[name][row] - p.bias)) / float(s[0])
            if abs(c1) > rim:
                layers.append(int(short_name(name).split()[0]))
    return layers


def outlier_claims(layernorms, run) -> Claims:
    """The longest axis of each attention LayerNorm, neuron 99's spread, the last LayerNorm's outliers.

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> from lngeo.model_geometry import corpus_encoding
    >>> outlier_claims(load_layernorms(), corpus_encoding())["top_neuron"][0]
    '99'
    """
    _check_claim_inputs({"layernorms": layernorms, "run": run})
    tops, weights = [], []
    for name, p in layernorms.items():
        if short_name(name).endswith("attn"):
            _, u = principal_axes(p.gain)
            k = int(np.argmax(np.abs(u[0])))
            tops.append(k)
            weights.append(abs(float(u[0, k])))
    (top, count), = Counter(tops).most_common(1)
    spread = {name: run.layernorm_inputs[name].std(axis=0) for name in layernorms}
    where = max(spread, key=lambda name: spread[name][top])
    last = list(layernorms)[-1]
    dead = np.sort(near_zero_gains(layernorms[last].gain))
    ratio = spread[last][dead] / np.median(spread[last])
    rim = _cls_on_rim(layernorms, run)
    return {
        "cls_rim_layers": (_ints(rim), ""),
        "n_attn": (len(tops), "int"),
        "u1_weight_min": (min(weights), ".4f"),
        "top_neuron": (str(top), ""),
        "top_count": (count, "int"),
        "top_std": (float(spread[where][top]), ".0f"),
        "top_std_label": (f"`{short_name(where)}`", ""),
        "typical_std": (float(np.median(spread[where])), ".1f"),
        "outlier_neurons": (_ints(dead), ""),
        "outlier_ratio_lo": (float(ratio.min()), ".0f"),
        "outlier_ratio_hi": (float(ratio.max()), ".0f"),
    }


def last_layer_claims(layernorms) -> Claims:
    r"""The last LayerNorm's near-zero gains, its tilted normal and its collapsed semi-axes.

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> c = last_layer_claims(load_layernorms())
    >>> c["dead_neurons"][0], c["normal_main"][0]
    ('127, 223 and 319', '223')
    """
    _check_claim_inputs({"layernorms": layernorms})
    name = list(layernorms)[-1]
    g, b = layernorms[name].gain, layernorms[name].bias
    n = g.size
    root = math.sqrt(n)
    dead = near_zero_gains(g)  # ascending |g|
    s = semi_axes(g)
    k = dead.size
    sorted_g = np.sort(np.abs(g))
    from .geometry import hyperplane_normal

    alpha = hyperplane_normal(g)
    top2 = np.argsort(-np.abs(alpha))[:2]
    rest = np.delete(alpha, top2)
    out = {
        "dead_neurons": (_ints(np.sort(dead)), ""),
        "n_dead": (k, "int"),
        "dead_bias_max": (float(np.abs(b[dead]).max()), "sci:2"),
        "normal_main": (str(top2[0]), ""),
        "normal_main_w": (abs(float(alpha[top2[0]])), ".2f"),
        "normal_second": (str(top2[1]), ""),
        "normal_second_w": (abs(float(alpha[top2[1]])), ".2f"),
        "normal_rest": (float(np.abs(rest).max()), "sci:1"),
        "collapsed_hi": (float(s[-2]), "sci"),
        "collapsed_lo": (float(s[-1]), "sci"),
        "pinned_bound": (root * float(np.abs(g[dead]).max()), "sci"),
        "pinned_extent": (2 * root * float(np.abs(g[dead]).max()), "sci:1"),
        "dim_reduced": (n - k, "int"),
        "bound_k": (root * float(sorted_g[k - 1]), "sci"),
        "bound_k1": (root * float(sorted_g[k]), ".1f"),
        "third_smallest": (float(s[-k]), ".2f"),
        "n_remaining": (n - k, "int"),
        "tiny_gain": (float(np.abs(g).min()), "sci"),
        "alive_gain_lo": (float(sorted_g[k]), ".2f"),
        "alive_gain_hi": (float(sorted_g[-1]), ".2f"),
    }
    for j in np.sort(dead):
        out[f"pin_{j}"] = (root * abs(float(g[j])), "sci")
    for i, j in enumerate(np.sort(dead)):
        out[f"dead_{i}"] = (str(j), "")
    for i, j in enumerate(dead):  # ascending |g|
        out[f"dead_gain_{i}"] = (float(g[j]), "sci")
    return out


def token_claims(layernorms, run) -> Claims:
    r"""The corpus through the model: sizes, ``1 − r``, and the share of inputs along ``1``.

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> from lngeo.model_geometry import corpus_encoding
    >>> c = token_claims(load_layernorms(), corpus_encoding())
    >>> c["n_sentences"][0], c["n_tokens"][0], c["n_pairs"][0]
    (41, 833, 10829)
    """
    _check_claim_inputs({"layernorms": layernorms, "run": run})
    names = list(layernorms)
    n = layernorms[names[0]].gain.size
    inputs = [run.layernorm_inputs[k] for k in names]
    gaps = [surface_gap(a, run.eps) for a in inputs]
    gap = np.concatenate(gaps)
    shares = {short_name(k): share_along_ones(a) for k, a in zip(names, inputs)}
    share = np.concatenate(list(shares.values()))
    rand = float(random_share_quantiles(n)[0])
    med = {k: float(np.median(v)) for k, v in shares.items()}
    low = 0.01
    cls = run.token_position == 0
    where = int(np.argmin([x.min() for x in gaps]))
    sig = inputs[where].std(axis=1)
    emb = inputs[0].std(axis=1)
    above = [k for k, v in med.items() if v > rand]
    return {
        "n_sentences": (len(run.sentences), "int"),
        "n_tokens": (run.n_tokens, "int"),
        "n_pairs": (gap.size, "int"),
        "gap_min": (float(gap.min()), "sci:1"),
        "gap_median": (float(np.median(gap)), "sci:2"),
        "gap_max": (float(gap.max()), "sci:1"),
        "gap_min_is_cls": ("[CLS]" if bool(cls[np.argmin(gaps[where])]) else "other", ""),
        "gap_min_label": (f"`{short_name(names[where])}`", ""),
        "cls_sigma_lo": (float(sig[cls].min()), ".0f"),
        "cls_sigma_hi": (float(sig[cls].max()), ".0f"),
        "emb_sigma_lo": (float(emb.min()), ".2f"),
        "emb_sigma_hi": (float(emb.max()), ".2f"),
        "gap_at_sigma_one": (run.eps / 2, "sci:1"),
        "f32_unit": (float(np.finfo(np.float32).eps) / 2, "sci:1"),
        "share_max": (float(share.max()), ".3f"),
        "share_max_sq": (float(share.max()) ** 2, ".1%"),
        "share_max_deg": (math.degrees(math.asin(float(share.max()))), "deg:1"),
        "random_median": (rand, ".3f"),
        "random_rms": (1 / math.sqrt(n), ".3f"),
        "real_median": (float(np.median(share)), ".3f"),
        "real_vs_random": (rand / float(np.median(share)), ".1f"),
        "low_share": (low, ".2f"),
        "low_labels": (_names([k for k, v in med.items() if v < low]), ""),
        "n_low": (sum(v < low for v in med.values()), "int"),
        "above_labels": (_names(above), ""),
        "n_above": (len(above), "int"),
        "above_last": (f"`{above[-1]}`" if above else "", ""),
        "above_last_median": (med[above[-1]] if above else 0.0, ".3f"),
    }


def token_exercise_claims(layernorms, run, name: str = "encoder.layer.3.attention.output.LayerNorm",
                          token: int = 0) -> Claims:
    r"""Exercise ``ex-token-coordinates``: one real token's input ``a`` to LayerNorm ``name``.

    With ``y = LN(a)``: its slice coordinates ``c = slice_coordinates(y, g, b)`` (the largest
    ``|c_k|``, the next, ``1 − Σc²``, against ``1 − r²`` of the input), the neuron that
    dominates that axis ``u_k``, whether ``y`` and ``a`` lie in the output set, how far the
    input's ``z = (a − b)/g`` is from ``1⟂`` (``|1̂·z|/|z|``) and its mean square, and the
    preimage ``â = G^{-1}(y − b)``: its direction against ``Πa`` and its length over ``|Πa|``.
    ``token`` indexes the corpus' tokens (0 is the ``[CLS]`` of the first sentence).
    """
    _check_claim_inputs({"layernorms": layernorms, "run": run})
    if name not in layernorms:
        raise ValueError(f"name must be one of the model's LayerNorms, got {name!r}")
    inputs = run.layernorm_inputs[name]
    if isinstance(token, bool) or not isinstance(token, (int, np.integer)) or not 0 <= token < len(inputs):
        raise ValueError(f"token must be an index 0 … {len(inputs) - 1}, got {token!r}")
    a = inputs[token]
    g, b = layernorms[name]
    y = layer_norm(a, g, b, eps=run.eps)
    c = slice_coordinates(y, g, b)
    k = int(np.argmax(np.abs(c)))
    _, u = principal_axes(g)
    a_hat = (y - b) / g                                   # the preimage with ε = 0
    za = (a - b) / g                                      # the same map applied to the input
    pa = project(a)
    r2 = float(radial_fraction(a, eps=run.eps)) ** 2
    return {
        "tok_k": (k + 1, "d"),
        "tok_c": (float(abs(c[k])), ".4f"),
        "tok_next": (float(np.sort(np.abs(c))[-2]), ".3f"),
        "tok_neuron": (int(np.argmax(np.abs(u[k]))), "d"),
        "tok_weight": (float(np.abs(u[k]).max()), ".4f"),
        "tok_sum_gap": (float(1 - np.sum(c**2)), "sci:1"),
        "tok_r_gap": (1 - r2, "sci:1"),
        "tok_in_y": (f"`{bool(ellipsoid_contains(y, g, b))}`", "s"),
        "tok_in_a": (f"`{bool(ellipsoid_contains(a, g, b))}`", "s"),
        "tok_a_cos": (float(abs(za.sum()) / (np.sqrt(za.size) * np.linalg.norm(za))), ".3f"),
        "tok_a_size": (float(za @ za / za.size), ".2f"),
        "tok_sigma": (float(a.std()), ".3f"),
        "tok_dir_err": (float(np.abs(a_hat / np.linalg.norm(a_hat) - pa / np.linalg.norm(pa)).max()), "sci:1"),
        "tok_factor": (float(np.linalg.norm(a_hat) / np.linalg.norm(pa)), ".4f"),
    }


def dead_direction_claims(layernorms, run, tol: float = 1e-12) -> Claims:
    r"""The normal ``α`` as a zero-variance direction of each LayerNorm's outputs on the corpus.

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> from lngeo.model_geometry import corpus_encoding
    >>> c = dead_direction_claims(load_layernorms(), corpus_encoding())
    >>> c["dd_last_null"][0]
    3
    """
    _check_claim_inputs({"layernorms": layernorms, "run": run, "tol": tol})
    res = {k: dead_direction(run.layernorm_outputs[k], p.gain, tol) for k, p in layernorms.items()}
    ordinary = [d for d in res.values() if d.near_null == 1]
    special = [(k, d) for k, d in res.items() if d.near_null != 1]
    out = {
        "dd_n_ordinary": (len(ordinary), "int"),
        "dd_var_max": (max(abs(d.variance_along_normal) for d in res.values()), "sci:1"),
        "dd_smallest_max": (max(abs(d.smallest) for d in ordinary), "sci:1"),
        "dd_second_min": (min(d.second for d in ordinary), "sci:1"),
        "dd_angle_max": (max(d.angle_deg for d in ordinary), "sci:1"),
        "dd_tol": (tol, "sci:1"),
    }
    if special:
        k, d = special[-1]
        out.update({
            "dd_last_label": (f"`{short_name(k)}`", ""),
            "dd_last_null": (d.near_null, "int"),
            "dd_last_angle": (d.angle_deg, "deg:0"),
            "dd_last_outside": (d.outside_near_null, "sci:1"),
        })
    return out


def residual_claims(layernorms, run) -> Claims:
    r"""The output equations on the recorded (numpy, float64) outputs: worst residuals.

    Examples
    --------
    >>> from lngeo.models import load_layernorms
    >>> from lngeo.model_geometry import corpus_encoding
    >>> residual_claims(load_layernorms(), corpus_encoding())["max_r"][0] < 1
    True
    """
    _check_claim_inputs({"layernorms": layernorms, "run": run})
    res = [output_residuals(run.layernorm_inputs[k], run.layernorm_outputs[k], p.gain, p.bias, run.eps)
           for k, p in layernorms.items()]
    return {
        "res_plane": (max(r.hyperplane for r in res), "sci:1"),
        "res_radius": (max(r.radius for r in res), "sci:1"),
        "max_r": (max(r.max_radius for r in res), ".15f"),
        "torch_out": (TORCH_TOLERANCE["layernorm_output"], "sci:1"),
        "torch_emb": (TORCH_TOLERANCE["embedding"], "sci:1"),
    }
