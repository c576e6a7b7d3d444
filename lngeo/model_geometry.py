r"""The geometry of every LayerNorm in a trained transformer (chapter 7).

For each LayerNorm ``LN(a) = √N G Πa / √(|Πa|² + Nε) + b`` of all-MiniLM-L6-v2 (MATH.md
notation: gain ``g``, ``G = diag(g)``, bias ``b``, ``Π = I − 1 1ᵀ/N``, ``α_n = 1/g_n``) this
module measures the output set — the (N−1)-dimensional ellipsoid in the hyperplane
``α·(y − b) = 0`` — and how real inputs sit in it:

* :func:`layer_geometry` / :func:`model_geometry`: semi-axes (range, spread), the tilt of
  the hyperplane's normal away from ``1``, ``|b|``, negative and near-zero gains, and the
  dimension of the set — one :class:`LayerGeometry` row per LayerNorm.
* :func:`tilt_angle`, :func:`near_zero_gains`: the pieces of a row.
* :func:`surface_gap` (``1 − r``, accurate down to 1e-16), :func:`share_along_ones`
  (``|1̂·a|/|a|``) and :func:`output_residuals` (do recorded outputs satisfy the
  hyperplane and ellipsoid equations?).
* :func:`corpus_encoding` and :func:`corpus_axes`: the book's corpus encoded once, and
  each LayerNorm's principal axes, cached for the chapter and its explorer.

At initialisation (``g = 1``, ``b = 0``) every LayerNorm's set is the sphere of radius
``√N`` in ``1⟂``: all semi-axes ``√N``, tilt 0, ``|b| = 0``. Everything in a row is what
training changed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np

from ._checks import (
    as_activations,
    as_count,
    as_eps,
    as_gain,
    as_parameter,
    as_real,
    require_hyperplane,
    finite_result,
)
from .core import _center, _finite
from .geometry import normal_space, principal_axes, semi_axes

__all__ = [
    "NEAR_ZERO",
    "LayerGeometry",
    "short_name",
    "near_zero_gains",
    "tilt_angle",
    "layer_geometry",
    "model_geometry",
    "geometry_table",
    "surface_gap",
    "share_along_ones",
    "random_share_quantiles",
    "OutputResiduals",
    "output_residuals",
    "corpus_encoding",
    "corpus_axes",
]

#: A gain counts as near zero when ``|g_n| < NEAR_ZERO · median|g|``: its semi-axis of the
#: N-dimensional ellipsoid is then under 0.1% of a typical one.
NEAR_ZERO = 1e-3


@finite_result()
def short_name(name: str) -> str:
    """Return a short label for a LayerNorm name: ``"emb"``, ``"3 attn"``, ``"3 out"``.

    Examples
    --------
    >>> short_name("embeddings.LayerNorm"), short_name("encoder.layer.3.attention.output.LayerNorm")
    ('emb', '3 attn')
    >>> short_name("encoder.layer.5.output.LayerNorm")
    '5 out'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name.startswith("embeddings"):
        return "emb"
    parts = name.split(".")
    if len(parts) >= 4 and parts[0] == "encoder" and parts[1] == "layer":
        return f"{parts[2]} {'attn' if parts[3] == 'attention' else 'out'}"
    return name


@finite_result()
def near_zero_gains(gain, tol: float = NEAR_ZERO) -> np.ndarray:
    r"""Return the indices ``n`` with ``|g_n| < tol · median|g|`` (near-zero gains), ascending in ``|g_n|``.

    Such a neuron's output is pinned near its bias, ``|y_n − b_n| ≤ √N |g_n|``; ``k`` of them
    nearly collapse ``k − 1`` semi-axes of the output set (MATH.md §6).

    Parameters
    ----------
    gain : array_like, shape (N,)
    tol : float, default :data:`NEAR_ZERO`
        Relative to the median ``|g|``.

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> near_zero_gains([1.0, -1e-30, 0.9, 2e-9, 1.1]).tolist()
    [1, 3]
    """
    g = as_gain(gain).astype(float)
    if g.size == 0:
        raise ValueError("gain must have at least one entry, got shape (0,)")
    tol = as_eps(tol, "tol")
    a = np.abs(g)
    # exact zeros always count (an all-zero gain has median 0 and collapses every axis)
    idx = np.flatnonzero((a < tol * np.median(a)) | (a == 0))
    return idx[np.argsort(a[idx], kind="stable")]


@finite_result()
def tilt_angle(gain) -> float:
    r"""Return the angle (degrees) between the output set's normal space and the direction ``1``.

    .. math::

        \theta = \arccos \big|V \hat{\mathbf 1}\big|, \qquad \hat{\mathbf 1} = \mathbf 1/\sqrt N,

    (evaluated as ``atan2(|(I − VᵀV) 1̂|, |V 1̂|)``, accurate near 0°)

    with ``V`` the orthonormal rows of :func:`~lngeo.geometry.normal_space` — for nonzero
    gains the single row ``α/|α|``, ``α_n = 1/g_n``, so ``cos θ = |Σ_n 1/g_n| / (√N |α|)``.
    At initialisation (``g = 1``) the plane is ``1⟂`` and ``θ = 0``; equal gains of either
    sign keep ``θ = 0``. A near-zero gain ``g_j`` makes ``α`` point almost along ``e_j``, so
    ``θ`` approaches ``arccos(1/√N)`` (87.1° for ``N = 384``).

    Parameters
    ----------
    gain : array_like, shape (N,)

    Returns
    -------
    float
        In ``[0, 90]``.

    Examples
    --------
    >>> round(tilt_angle([2.0, 2.0, 2.0]), 9)
    0.0
    >>> round(tilt_angle([1.0, 1.0, 1e-12]), 3)   # nearly e_3: arccos(1/√3)
    54.736
    """
    V = normal_space(gain)
    n = V.shape[1]
    ones = np.full(n, 1.0 / math.sqrt(n))
    along = V @ ones  # components of 1̂ in the normal space
    across = ones - V.T @ along  # the rest, inside the set's own directions
    # atan2 of sine and cosine: accurate near 0°, where arccos(1 − δ) loses half the digits
    return math.degrees(math.atan2(float(np.linalg.norm(across)), float(np.linalg.norm(along))))


@dataclass(frozen=True)
class LayerGeometry:
    """One LayerNorm's output set, measured (a row of chapter 7's table).

    Attributes
    ----------
    name : str
        The LayerNorm's name in the model (``"encoder.layer.3.output.LayerNorm"``).
    label : str
        Short label (``"3 out"``), see :func:`short_name`.
    n : int
        Width ``N``.
    semi_min, semi_max : float
        Smallest and largest of the ``N − 1`` semi-axes ``s_k = √(N μ_k)``.
    spread : float
        ``semi_max / semi_min`` (1 for a sphere; ``inf`` if a semi-axis is exactly 0).
    log_spread : float
        Standard deviation of ``ln s_k`` over the positive semi-axes (0 for a sphere).
    tilt_deg : float
        :func:`tilt_angle`: degrees between the normal (space) and ``1``.
    bias_norm : float
        ``|b|``, how far the set's centre moved from 0.
    negative : int
        Number of gains ``g_n < 0`` (each mirrors the set in its coordinate).
    near_zero : int
        Number of near-zero gains, ``|g_n| < NEAR_ZERO · median|g|`` (:func:`near_zero_gains`).
    exact_zero : int
        Number of gains exactly 0.
    dimension : int
        Dimension of the set, counting near-zero gains as zero: ``N − max(1, near_zero)``.
    collapsed : tuple of float
        The ``max(0, near_zero − 1)`` smallest semi-axes, those that near-zero gains collapse.
    effective_min : float
        The smallest semi-axis that is *not* collapsed (``semi_min`` for an ordinary layer).
    """

    name: str
    label: str
    n: int
    semi_min: float
    semi_max: float
    spread: float
    log_spread: float
    tilt_deg: float
    bias_norm: float
    negative: int
    near_zero: int
    exact_zero: int
    dimension: int
    collapsed: tuple
    effective_min: float

    def as_dict(self) -> dict:
        """Return the row as a plain ``dict``."""
        return asdict(self)


def layer_geometry(gain, bias=None, name: str = "", tol: float = NEAR_ZERO) -> LayerGeometry:
    r"""Return the :class:`LayerGeometry` of one LayerNorm's output set.

    .. math::

        s_k = \sqrt{N \mu_k}, \quad \mu_k \ne 0 \text{ eigenvalues of } M = G^2 - \tfrac1N g g^\top;
        \qquad \theta = \arccos |V\hat{\mathbf 1}|; \qquad
        \dim = N - \max(1, k_0),

    with ``k₀`` the number of near-zero gains (``|g_n| < tol·median|g|``): ``k₀ ≥ 2`` of them
    pin ``k₀`` outputs near their biases and (nearly) collapse the ``k₀ − 1`` smallest
    semi-axes, leaving an (N−k₀)-dimensional set (MATH.md §6). Semi-axes come from the
    secular solver, :func:`~lngeo.geometry.semi_axes` — O(N²), accurate even for gains of
    1e-33.

    Parameters
    ----------
    gain, bias : array_like, shape (N,)
        ``bias=None`` means 0.
    name : str, optional
        The LayerNorm's name; also gives ``label``.
    tol : float, default :data:`NEAR_ZERO`

    Returns
    -------
    LayerGeometry
        ``spread`` is ``inf`` when a semi-axis collapses to exactly 0 (two or more zero
        gains): the one documented non-finite field.

    Examples
    --------
    >>> row = layer_geometry(np.ones(4))             # the initial state: a sphere in 1⟂
    >>> row.semi_min, row.semi_max, round(row.tilt_deg, 9), row.dimension
    (2.0, 2.0, 0.0, 3)
    >>> row = layer_geometry([1.0, 2.0, -1e-20, 1e-21, 1.5])
    >>> row.negative, row.near_zero, row.dimension, len(row.collapsed)
    (1, 2, 3, 1)
    """
    g = as_gain(gain).astype(float)
    require_hyperplane(g.size)
    tol = as_eps(tol, "tol")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    n = g.size
    b = as_parameter(bias, n, "bias", 0.0).astype(float)
    s = semi_axes(g)
    zeros = near_zero_gains(g, tol)
    k0 = int(zeros.size)
    n_collapsed = max(0, k0 - 1)
    positive = s[s > 0]
    return LayerGeometry(
        name=name,
        label=short_name(name) if name else "",
        n=n,
        semi_min=float(s[-1]),
        semi_max=float(s[0]),
        spread=float(s[0] / s[-1]) if s[-1] > 0 else math.inf,
        log_spread=float(np.std(np.log(positive))) if positive.size else 0.0,
        tilt_deg=tilt_angle(g),
        bias_norm=float(_finite(np.asarray(np.linalg.norm(b)), "|bias|")),
        negative=int(np.count_nonzero(g < 0)),
        near_zero=k0,
        exact_zero=int(np.count_nonzero(g == 0)),
        dimension=n - max(1, k0),
        collapsed=tuple(float(x) for x in s[s.size - n_collapsed:]) if n_collapsed else (),
        effective_min=float(s[s.size - 1 - n_collapsed]),
    )


def model_geometry(layernorms=None, tol: float = NEAR_ZERO) -> list[LayerGeometry]:
    """Return one :class:`LayerGeometry` per LayerNorm of the model, in network order.

    Parameters
    ----------
    layernorms : dict, optional
        Name → ``(gain, bias)`` pairs (or :class:`~lngeo.models.LayerNormParams`). Default :func:`lngeo.models.load_layernorms` (all-MiniLM-L6-v2's 13 LayerNorms).
    tol : float, default :data:`NEAR_ZERO`

    Returns
    -------
    list of LayerGeometry

    Examples
    --------
    >>> rows = model_geometry()
    >>> len(rows), rows[0].label, rows[-1].label, rows[-1].near_zero
    (13, 'emb', '5 out', 3)
    """
    tol = as_eps(tol, "tol")
    if layernorms is None:
        from .models import load_layernorms

        layernorms = load_layernorms()
    if not hasattr(layernorms, "items"):
        raise TypeError(
            "layernorms must be a dict {name: (gain, bias, ...)} as from load_layernorms(), "
            f"got {type(layernorms).__name__}"
        )
    return [layer_geometry(*tuple(p)[:2], name=name, tol=tol) for name, p in layernorms.items()]


def _fmt(x: float) -> str:
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    return f"{x:.2f}" if 0.01 <= abs(x) < 1000 else f"{x:.1e}"


@finite_result()
def geometry_table(rows: list[LayerGeometry]) -> str:
    r"""Return the rows as an HTML table (one line per LayerNorm), for ``IPython.display.HTML``.

    Columns: label, smallest and largest semi-axis ``s_k``, spread ``s_max/s_min``, tilt of the
    normal from ``1`` (degrees), ``|b|``, negative and near-zero gains, dimension of the set
    (``≈ N − k₀`` when ``k₀ ≥ 2`` near-zero gains nearly collapse ``k₀ − 1`` semi-axes).
    A row with near-zero gains is set in bold. (HTML, not Markdown: the book renders Markdown
    outputs as CommonMark, which has no tables.)

    Examples
    --------
    >>> html = geometry_table([layer_geometry(np.ones(4), name="embeddings.LayerNorm")])
    >>> html.count("<tr"), "<td>emb</td>" in html
    (2, True)
    """
    head = ["LayerNorm", "s<sub>min</sub>", "s<sub>max</sub>", "s<sub>max</sub>/s<sub>min</sub>",
            "tilt", "|b|", "g<sub>n</sub> &lt; 0", "g<sub>n</sub> ≈ 0", "dim"]
    pad = "padding:0.1em 0.45em;text-align:right"
    lines = ["<table>", "<thead><tr>" + "".join(f'<th style="{pad}">{h}</th>' for h in head) + "</tr></thead>", "<tbody>"]
    if isinstance(rows, (str, bytes)) or not isinstance(rows, (list, tuple)):
        raise TypeError(f"rows must be a list of LayerGeometry, got {type(rows).__name__}")
    for i, r in enumerate(rows):
        if not isinstance(r, LayerGeometry):
            raise TypeError(f"rows[{i}] must be a LayerGeometry, got {type(r).__name__}")
    for r in rows:
        dim = str(r.dimension) if r.near_zero < 2 else f"≈ {r.dimension}"
        cells = [
            r.label or r.name,
            _fmt(r.semi_min),
            _fmt(r.semi_max),
            _fmt(r.spread),
            f"{r.tilt_deg:.1f}°",
            _fmt(r.bias_norm),
            str(r.negative),
            str(r.near_zero),
            dim,
        ]
        style = ' style="font-weight:bold"' if r.near_zero else ""
        tds = "".join(f"<td>{c}</td>" if i == 0 else f'<td style="{pad}">{c}</td>' for i, c in enumerate(cells))
        lines.append(f"<tr{style}>{tds}</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Real inputs and outputs
# ---------------------------------------------------------------------------------------


@finite_result()
def surface_gap(x, eps: float) -> np.ndarray:
    r"""Return ``1 − r``, how far below the surface ``LN(x)`` lands, accurate however small.

    .. math::

        1 - r = 1 - \frac{1}{\sqrt{1 + \varepsilon/\sigma^2}}
              = -\operatorname{expm1}\!\Big(-\tfrac12 \operatorname{log1p}(\varepsilon/\sigma^2)\Big)
              \approx \frac{\varepsilon}{2\sigma^2},

    evaluated with ``expm1``/``log1p`` so that a gap of 1e-14 keeps all its digits (``1 − r``
    computed by subtraction would be round-off, ~1e-16 absolute).

    Parameters
    ----------
    x : array_like, shape (..., N)
        LayerNorm inputs; ``σ²`` is their biased variance along the last axis.
    eps : float

    Returns
    -------
    numpy.ndarray, shape (...)

    Raises
    ------
    ValueError
        Negative ``eps``, non-finite ``x``, or a zero-variance row with ``eps > 0`` cannot occur
        silently: zero variance gives ``1 − r = 1``; with ``eps = 0`` it raises.

    Examples
    --------
    >>> float(surface_gap([1.0, -1.0], eps=1e-12))   # σ² = 1: ε/2 to 12 digits
    4.99999999999625e-13
    """
    eps = as_eps(eps)
    a = as_activations(x).astype(float)
    d, k = _center(a)  # Πx = d·2**k exactly centred, max|d| <= 2
    top = np.max(np.abs(d), axis=-1)
    zero = top == 0
    if eps == 0:
        if np.any(zero):
            raise ValueError("x has a row of zero variance and eps = 0: r = 0/0 is undefined")
        return np.zeros_like(top)
    # ε/σ² with σ² = mean(d²)·4**k, evaluated as ldexp((ε/m)/f², −2(k + e)) where
    # top = f·2**e and m = mean((d/top)²) ∈ [1/N, 1]: no squaring of tiny numbers
    f, e = np.frexp(np.where(zero, 1.0, top))
    m = np.mean((d / np.where(zero, 1.0, top)[..., None]) ** 2, axis=-1)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        ratio = np.ldexp(eps / np.where(zero, 1.0, m) / (f * f), -2 * (k[..., 0] + e))
    ratio = np.where(zero, np.inf, ratio)
    return np.where(np.isinf(ratio), 1.0, -np.expm1(-0.5 * np.log1p(ratio)))


@finite_result()
def share_along_ones(x) -> np.ndarray:
    r"""Return the share of each input's length along ``1``: ``|1̂·a|/|a| = |mean(a)|·√N/|a|``.

    .. math::

        \frac{|\hat{\mathbf 1}\cdot a|}{|a|} = \frac{|\mu(a)|\sqrt N}{|a|} = \cos\angle(a, \pm\mathbf 1),
        \qquad |\Pi a| = |a|\sqrt{1 - \text{share}^2} .

    0 means ``a ⟂ 1`` (the projection does nothing), 1 means ``a ∥ 1`` (it removes everything).

    Parameters
    ----------
    x : array_like, shape (..., N)

    Returns
    -------
    numpy.ndarray, shape (...)
        0 for a zero row.

    Examples
    --------
    >>> share_along_ones([[1.0, -1.0], [2.0, 2.0], [3.0, 1.0]]).round(4)
    array([0.    , 1.    , 0.8944])
    """
    a = as_activations(x).astype(float)
    n = a.shape[-1]
    top = np.max(np.abs(a), axis=-1, keepdims=True)
    a = a / np.where(top > 0, top, 1.0)  # the share is scale-free: avoid under/overflow
    norm = np.linalg.norm(a, axis=-1)
    share = np.abs(a.mean(axis=-1)) * math.sqrt(n)
    return np.divide(share, norm, out=np.zeros_like(norm), where=norm > 0)


@finite_result()
def random_share_quantiles(n: int, q=(0.5, 0.95)) -> np.ndarray:
    r"""Return quantiles of :func:`share_along_ones` for a random direction in ``R^n``.

    For ``a`` uniform on the sphere, ``share² ~ Beta(1/2, (n−1)/2)``, so the quantiles are
    exact (no sampling): ``share_q = √(BetaInv(q; 1/2, (n−1)/2))``, close to
    ``|Z|_q/√n`` (median ≈ 0.674/√n).

    Examples
    --------
    >>> random_share_quantiles(384).round(4)
    array([0.0345, 0.1   ])
    """
    from scipy.special import betaincinv

    n = as_count(n, "n", low=2)
    q = as_real(q, "q").astype(float)
    if np.any((q < 0) | (q > 1)):
        raise ValueError(f"q must hold probabilities in [0, 1], got {q}")
    return np.sqrt(betaincinv(0.5, (n - 1) / 2.0, q))


@dataclass(frozen=True)
class OutputResiduals:
    r"""How well recorded outputs ``y = LN(a)`` satisfy the output-set equations (maxima over rows).

    With ``z = G⁻¹(y − b)`` (the scaled vector recovered from the output; coordinates with
    ``g_n = 0`` are checked separately, they must equal ``b_n``):

    Attributes
    ----------
    hyperplane : float
        ``max |1·z| / (√N |z|)``: the hyperplane equation ``α·(y − b) = Σ_n z_n = 0``,
        made scale-free (the cosine between ``z`` and ``1``).
    radius : float
        ``max | |z|/√N − r(a) |``: the ellipsoid equation ``Σ_n ((y−b)_n/g_n)² = N r²``.
    max_radius : float
        ``max |z|/√N``: never above 1 (inside the ellipsoid).
    pinned : float
        ``max |y_n − b_n|`` over exactly-zero gains (0 when there are none).
    """

    hyperplane: float
    radius: float
    max_radius: float
    pinned: float


@finite_result()
def output_residuals(x, y, gain, bias, eps: float) -> OutputResiduals:
    r"""Return :class:`OutputResiduals`: do outputs ``y`` of inputs ``x`` lie where the theory says?

    .. math::

        z = G^{-1}(y - b), \qquad \frac{|\mathbf 1\cdot z|}{\sqrt N |z|} = 0, \qquad
        \frac{|z|}{\sqrt N} = r(a) = \frac{1}{\sqrt{1 + \varepsilon/\sigma^2}} \le 1 .

    Dividing by ``g_n`` is exact up to one rounding per entry, so this works even for gains
    of 1e-33 (where a distance to the hyperplane measured in ``y``-space would be
    meaninglessly small, and slice coordinates along collapsed axes meaninglessly large).

    Parameters
    ----------
    x, y : array_like, shape (..., N)
        Inputs and recorded outputs.
    gain, bias : array_like, shape (N,)
    eps : float

    Returns
    -------
    OutputResiduals

    Examples
    --------
    >>> from lngeo import layer_norm
    >>> rng = np.random.default_rng(0)
    >>> x, g, b = rng.normal(size=(50, 16)), rng.normal(1, 0.5, 16), rng.normal(size=16)
    >>> res = output_residuals(x, layer_norm(x, g, b, eps=1e-12), g, b, eps=1e-12)
    >>> res.hyperplane < 1e-14, res.radius < 1e-14, res.max_radius <= 1.0
    (True, True, True)
    """
    eps = as_eps(eps)
    xa = as_activations(x, "x").astype(float)
    ya = as_activations(y, "y").astype(float)
    n = ya.shape[-1]
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same shape, got {xa.shape} and {ya.shape}")
    g = as_parameter(gain, n, "gain", 1.0).astype(float)
    b = as_parameter(bias, n, "bias", 0.0).astype(float)
    nz = g != 0
    with np.errstate(over="ignore", invalid="ignore"):
        z = (ya - b)[..., nz] / g[nz]
    z = _finite(z, "(y − bias)/gain")
    norm_z = np.linalg.norm(z, axis=-1)
    cos = np.abs(z.sum(axis=-1)) / (math.sqrt(n) * np.where(norm_z > 0, norm_z, 1.0))
    rho = norm_z / math.sqrt(n)
    r = 1.0 - surface_gap(xa, eps)
    pinned = float(np.max(np.abs((ya - b)[..., ~nz]))) if np.any(~nz) else 0.0
    return OutputResiduals(
        hyperplane=float(np.max(cos)),
        radius=float(np.max(np.abs(rho - r))),
        max_radius=float(np.max(rho)),
        pinned=pinned,
    )


# ---------------------------------------------------------------------------------------
# Cached corpus and axes (shared by the chapter and its explorer)
# ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
@finite_result()
def corpus_encoding():
    """Return :func:`lngeo.models.encode` of the book's 41-sentence corpus, computed once per process.

    The :class:`~lngeo.models.Encoding`'s arrays are read-only, so sharing it is safe. Without
    the model but with the recording (:func:`lngeo.models.source` is ``"recording"``, as in
    the book's in-browser copy), the encoding recorded when the book was built
    (:func:`lngeo.recording.load`), whose sentences must be this lngeo's corpus.

    Raises
    ------
    ModelNotInstalledError
        Neither the model nor the recording is installed.
    ValueError
        The installed recording was made for another corpus.
    """
    from .models import _recording, encode, load_sentences

    recorded = _recording(None)
    if recorded is None:
        return encode(load_sentences(), record=True)
    from .recording import load

    run = load(recorded)[1]
    if list(run.sentences) != load_sentences():
        raise ValueError(
            f"the recording {recorded} holds another corpus than lngeo.models.load_sentences(); "
            "rebuild it with: python tools/record_activations.py OUT_DIR"
        )
    return run


@functools.lru_cache(maxsize=1)
@finite_result()
def corpus_axes(k: int = 3) -> dict:
    r"""Return, per LayerNorm name, ``(semi_axes, axes[:k], coords, rho2)`` for the corpus, cached.

    ``semi_axes`` (N−1,) and the ``k`` longest principal axes (rows) come from
    :func:`~lngeo.geometry.principal_axes` (secular solver); ``coords`` (n_tokens, k) are the
    corpus outputs' coordinates ``c_j = u_j·(y − b)/s_j`` along them, and ``rho2``
    (n_tokens,) is the squared normalised radius read from the outputs themselves,
    ``r² = Σ_n ((y−b)_n/g_n)²/N = Σ_all c_j²`` (1 on the boundary). So
    ``√(r² − Σ_{j≤k} c_j²)`` is the radius in all the other ``N − 1 − k`` directions.
    """
    from .models import load_layernorms

    run = corpus_encoding()
    out = {}
    for name, p in load_layernorms().items():
        g, b = p.gain, p.bias
        s, u = principal_axes(g)
        y = run.layernorm_outputs[name]
        coords = ((y - b) @ u[:k].T) / s[:k]
        nz = g != 0
        rho2 = np.sum(((y - b)[:, nz] / g[nz]) ** 2, axis=-1) / g.size
        out[name] = (s, u[:k].copy(), coords, rho2)
    return out
