r"""Where LayerNorm outputs live: a hyperplane, an (N−1)-dimensional ellipsoid, its axes.

Notation (MATH.md): ``N`` neurons, gain ``g`` with ``G = diag(g)``, bias ``b``,
``Π = I − 1 1ᵀ/N``, ``α_n = 1/g_n``. Every output ``y = LN(a)`` satisfies

.. math::

    \alpha \cdot (y - b) = 0, \qquad
    \sum_n \Big(\frac{(y-b)_n}{g_n}\Big)^2 = N r^2 \le N ,

so it lies inside the (N−1)-dimensional ellipsoid cut from the N-dimensional one by the
hyperplane. Its semi-axes are ``s_k = √(N μ_k)`` for the nonzero eigenvalues ``μ_k`` of
the inverse-free matrix ``M = GΠG = G² − g gᵀ/N``, along the eigenvectors ``u_k``.

Conventions used throughout this module:

* Semi-axes are returned in **descending** order, axes as **rows**; each axis row has
  its largest-magnitude component positive (a deterministic sign).
* **Negative gains** mirror the set by ``S = diag(sign g)``: same semi-axes, mirrored axes.
* **Zero gains**: one zero gain ``g_j = 0`` keeps an (N−1)-dimensional set with normal
  ``e_j``. ``k ≥ 2`` zero gains collapse ``k − 1`` semi-axes to exactly 0; the set is
  (N−k)-dimensional, its normal space is ``span{e_j : g_j = 0}``, and the ``k − 1``
  collapsed axes returned span the part of that space orthogonal to
  ``Σ_{g_j=0} e_j`` (the hyperplane is the limit of ``α ⟂`` when those gains shrink
  together). An **all-zero gain** gives the single point ``b``: all semi-axes 0, axes a
  basis of ``1⟂``.
"""

from __future__ import annotations

import numpy as np

from . import secular as _secular
from ._checks import (
    as_activations,
    finite_result,
    as_choice,
    as_eps,
    as_gain,
    as_parameter,
    require_hyperplane,
    working_dtype,
)
from .core import _center, _unit_scale

__all__ = [
    "m_matrix",
    "hyperplane_normal",
    "normal_space",
    "principal_axes",
    "semi_axes",
    "interlacing_bounds",
    "jacobian",
    "slice_coordinates",
    "ellipsoid_contains",
    "route_error_bound",
]

METHODS = ("secular", "eigh", "paper", "svd")


# --------------------------------------------------------------------------- helpers
def _gain(gain) -> np.ndarray:
    g = as_gain(gain).astype(np.float64)
    require_hyperplane(g.size)
    return g


def _axes_gain(gain) -> np.ndarray:
    """A gain whose semi-axes are all representable: ``√N max|g|`` must be a finite float64."""
    g = _gain(gain)
    limit = np.finfo(np.float64).max / np.sqrt(g.size)
    big = np.flatnonzero(np.abs(g) > limit)
    if big.size:
        i = int(big[0])
        raise ValueError(
            f"gain[{i}] = {g[i]!r} is too large: the semi-axes reach √N·max|gain|, which must "
            f"be a finite float64, so |gain| <= 1.797e308/√N = {limit:.4g} for N = {g.size} "
            "(supported range: 0 and every float64 magnitude up to that bound, subnormals "
            "included); rescale the gain by a power of two and scale the semi-axes back"
        )
    return g


def _scaled(g: np.ndarray) -> tuple[np.ndarray, int]:
    """``g / 2**e`` with ``max|g / 2**e|`` in ``[0.5, 1)`` (exact), and ``e``."""
    amax = np.max(np.abs(g))
    e = int(np.frexp(amax)[1]) if amax > 0 else 0
    return np.ldexp(g, -e), e


def _sign_fix(axes: np.ndarray) -> np.ndarray:
    """Flip rows so that each row's largest-magnitude component is positive."""
    if axes.size == 0:
        return axes
    idx = np.argmax(np.abs(axes), axis=-1)
    s = np.sign(np.take_along_axis(axes, idx[..., None], axis=-1))
    s[s == 0] = 1.0
    axes *= s  # in place: the axes are always a fresh array here (N = 12288 is 1.2 GB)
    return axes


def _collapsed_axes(g: np.ndarray) -> np.ndarray:
    """The ``k − 1`` collapsed axes for ``k ≥ 2`` zero gains (rows), else shape (0, N)."""
    zeros = np.flatnonzero(g == 0)
    k = zeros.size
    out = np.zeros((max(k - 1, 0), g.size))
    if k >= 2:
        out[:, zeros] = _secular._householder_complement(k, np.float64)
    return out


def _hyperplane_normal_checked(g: np.ndarray) -> np.ndarray:
    zeros = np.flatnonzero(g == 0)
    n = np.zeros(g.size)
    if zeros.size == 1:
        n[zeros[0]] = 1.0
        return n
    # α_n = 1/g_n, scaled by min|g| so every entry lies in [-1, 1] (no overflow)
    gmin = np.min(np.abs(g))
    alpha = gmin / g
    return alpha / np.linalg.norm(alpha)


# --------------------------------------------------------------------------- hyperplane
@finite_result()
def hyperplane_normal(gain) -> np.ndarray:
    r"""Return the unit normal ``α/|α|`` (``α_n = 1/g_n``) of the hyperplane holding the outputs.

    .. math::

        \hat n = \frac{\alpha}{|\alpha|}, \qquad \alpha_n = \frac{1}{g_n}, \qquad
        \alpha \cdot (\mathrm{LN}(a) - b) = 0 \ \text{for every } a .

    ``α`` is the left null vector of ``GΠ``. Sign convention: the normal points along
    ``α`` itself (all components positive for positive gains). With exactly one zero gain
    ``g_j = 0`` the normal is ``e_j`` (the limit of ``α/|α|``; ``y_j = b_j``).

    Parameters
    ----------
    gain : array_like, shape (N,)
        Gain ``g``, ``N >= 2``.

    Returns
    -------
    numpy.ndarray, shape (N,)
        Unit vector.

    Raises
    ------
    ValueError
        ``N < 2``, non-finite gains, wrong shape, or two or more zero gains (then the
        normal space is more than one-dimensional: use :func:`normal_space`).

    Examples
    --------
    >>> hyperplane_normal([1.0, 2.0, -2.0]).round(6)
    array([ 0.816497,  0.408248, -0.408248])
    >>> hyperplane_normal([1.0, 0.0, 3.0])
    array([0., 1., 0.])
    """
    g = _gain(gain)
    zeros = np.flatnonzero(g == 0)
    if zeros.size >= 2:
        raise ValueError(
            f"gain has {zeros.size} zero entries (at indices {zeros[:6].tolist()}"
            f"{', …' if zeros.size > 6 else ''}): the outputs then live in a set of codimension "
            f"{zeros.size}, which has no single normal vector; use normal_space(gain) for an "
            "orthonormal basis of its normal space"
        )
    return _hyperplane_normal_checked(g)


@finite_result()
def normal_space(gain) -> np.ndarray:
    r"""Return orthonormal rows spanning the normal space (within R^N) of the output set.

    .. math::

        \mathcal N = \begin{cases}
            \mathrm{span}\{\alpha\}, & \text{no zero gain } (\alpha_n = 1/g_n),\\
            \mathrm{span}\{e_j : g_j = 0\}, & \text{one or more zero gains.}
        \end{cases}

    Every output satisfies ``V (y − b) = 0`` for the returned ``V``; with ``k ≥ 2`` zero
    gains the set is (N−k)-dimensional and ``V`` has ``k`` rows.

    Parameters
    ----------
    gain : array_like, shape (N,)

    Returns
    -------
    numpy.ndarray, shape (max(1, k), N)
        ``α/|α|`` as one row, or the rows ``e_j`` for the ``k`` zero gains (in index order).

    Raises
    ------
    ValueError
        ``N < 2``, non-finite gains, wrong shape.

    Examples
    --------
    >>> normal_space([0.0, 2.0, 0.0])
    array([[1., 0., 0.],
           [0., 0., 1.]])
    >>> normal_space([1.0, 1.0]).round(6)
    array([[0.707107, 0.707107]])
    """
    g = _gain(gain)
    zeros = np.flatnonzero(g == 0)
    if zeros.size >= 2:
        out = np.zeros((zeros.size, g.size))
        out[np.arange(zeros.size), zeros] = 1.0
        return out
    return _hyperplane_normal_checked(g)[None, :]


# --------------------------------------------------------------------------- principal axes
def _axes_paper(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    zeros = np.flatnonzero(g == 0)
    if zeros.size:
        raise ValueError(
            f"method='paper' needs every gain nonzero (it inverts G), but gain[{zeros[0]}] = 0; "
            "use method='secular' (default) or method='eigh', which need no inverse"
        )
    n = g.size
    gs, e = _scaled(g)
    alpha = _hyperplane_normal_checked(gs)
    P2 = np.eye(n) - np.outer(alpha, alpha)
    A = (P2 * (1.0 / (gs * gs))[None, :]) @ P2
    A = 0.5 * (A + A.T)
    lam, V = np.linalg.eigh(A)
    lam, V = lam[1:], V[:, 1:]  # drop the null direction α (smallest eigenvalue)
    s = np.ldexp(np.sqrt(n / lam), e)
    return s, V.T


@finite_result()
def m_matrix(gain) -> np.ndarray:
    r"""Return the inverse-free matrix ``M = GΠG = G² − g gᵀ/N`` of the output ellipsoid.

    .. math:: M = G\,\Pi\,G = G^2 - \tfrac1N\, g g^\top, \qquad
              M \alpha = 0 \ (\alpha_n = 1/g_n), \qquad s_k = \sqrt{N \mu_k} .

    Its nonzero eigenpairs ``(μ_k, u_k)`` give the principal axes of LayerNorm's output set
    (MATH.md §3). It is dense, ``N × N``: :func:`semi_axes` and :func:`principal_axes`
    (``method="secular"``) never form it.

    Parameters
    ----------
    gain : array_like, shape (N,)

    Returns
    -------
    numpy.ndarray, shape (N, N)
        Symmetric.

    Raises
    ------
    ValueError
        Wrong shape or non-finite gains.

    Examples
    --------
    >>> m_matrix([1.0, 2.0])
    array([[ 0.5, -1. ],
           [-1. ,  2. ]])
    """
    g = as_gain(gain).astype(float)
    m = np.outer(g, g) / -g.size  # g_i g_j = g_j g_i: exactly symmetric
    m[np.diag_indices(g.size)] += g * g
    return m


def _positive_count(g: np.ndarray) -> int:
    return g.size - max(1, int(np.count_nonzero(g == 0)))


def _axes_eigh(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """eigh of ``M`` restricted to the nonzero gains (zero gains' rows of M vanish), so the
    collapsed axes appended afterwards are exactly orthogonal to the computed ones."""
    n = g.size
    gs, e = _scaled(g)
    nz = np.flatnonzero(gs != 0)
    sub = gs[nz]
    m = np.outer(sub, sub) / -n
    m[np.diag_indices(nz.size)] += sub * sub
    mu, W = np.linalg.eigh(m)
    npos = _positive_count(g)
    mu, W = mu[::-1][:npos], W[:, ::-1][:, :npos]
    V = np.zeros((n, npos))
    V[nz] = W
    s = np.ldexp(np.sqrt(n * np.maximum(mu, 0.0)), e)
    return _append_collapsed(g, s, V.T)


def _householder_q(n: int) -> np.ndarray:
    """Rows: an orthonormal basis (N−1 rows) of ``1⟂``."""
    return _secular._householder_complement(n, np.float64)


def _axes_svd(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = g.size
    gs, e = _scaled(g)
    nz = np.flatnonzero(gs != 0)
    GQ = gs[nz, None] * _householder_q(n).T[nz]  # (N_nz, N−1): zero gains' rows vanish
    U, sigma, _ = np.linalg.svd(GQ, full_matrices=False)
    npos = _positive_count(g)
    s = np.ldexp(np.sqrt(n) * sigma[:npos], e)
    V = np.zeros((n, npos))
    V[nz] = U[:, :npos]
    return _append_collapsed(g, s, V.T)


def _append_collapsed(g, s, axes):
    extra = _collapsed_axes(g)
    if extra.shape[0]:
        s = np.concatenate([s, np.zeros(extra.shape[0])])
        axes = np.concatenate([axes, extra], axis=0)
    return s, axes


@finite_result()
def route_error_bound(gain, method: str) -> float:
    r"""Return the a-priori bound on the relative error of any semi-axis by route ``method``.

    With ``κ = s_max/s_min`` over the positive semi-axes (computed by the secular solver)
    and LAPACK's approximate error bound ``|Δλ| ≤ ε_mach ‖A‖₂`` for a symmetric
    eigenvalue or singular value:

    .. math::

        \text{eigh: } \tfrac12 ε κ^2, \qquad \text{paper: } \tfrac12 ε κ^2
        \ (\infty \text{ with a zero gain}), \qquad
        \text{svd: } ε κ, \qquad \text{secular: } 4ε .

    Parameters
    ----------
    gain : array_like, shape (N,)
    method : str
        One of ``"secular"``, ``"eigh"``, ``"paper"``, ``"svd"``.

    Returns
    -------
    float
        ``inf`` when the route cannot be carried out at all in float64.

    Examples
    --------
    >>> route_error_bound([1.0, 2.0, 3.0], "eigh") < 1e-15
    True
    >>> route_error_bound([1e-10, 2e-10, 1.0, 2.0], "svd") > 1e-7
    True
    """
    method = as_choice(method, "method", METHODS)
    g = _axes_gain(gain)
    return _route_bound(g, method, _secular.secular_semi_axes(_secular.deflate(g)))


def _route_bound(g: np.ndarray, method: str, s: np.ndarray) -> float:
    eps = float(np.finfo(np.float64).eps)
    if method == "secular":
        return 4.0 * eps
    if method == "paper" and np.any(g == 0):
        return np.inf
    pos = s[s > 0]
    if pos.size == 0:
        return 0.0
    with np.errstate(over="ignore"):
        kappa = float(pos[0] / pos[-1])  # descending
        return eps * kappa if method == "svd" else 0.5 * eps * kappa * kappa


@finite_result()
def principal_axes(
    gain, method: str = "secular", rtol: float = 1e-2
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(semi_axes, axes)`` of the (N−1)-dimensional output ellipsoid.

    The outputs fill the interior of the ellipsoid ``{b + Σ_k c_k s_k u_k : Σ_k c_k² ≤ 1}``
    with semi-axes ``s_k`` along orthonormal ``u_k``, eigenpairs of the inverse-free

    .. math::

        M = G \Pi G = G^2 - \tfrac1N g g^\top, \qquad M u_k = \mu_k u_k, \qquad
        s_k = \sqrt{N \mu_k}, \qquad
        \mathrm{LN}(G^{-1} u_k;\ \varepsilon = 0) = b + s_k u_k .

    Methods (they agree; MATH.md §3, §5):

    * ``"secular"`` (default): the roots of :math:`\varphi(\mu) = \sum_n 1/(g_n^2 - \mu)`
      after deflating zero and repeated ``|g_n|``, with recomputed eigenvector weights
      (:mod:`lngeo.secular`). O(N²) time, accurate to a few ulps.
    * ``"eigh"``: ``numpy.linalg.eigh`` of ``M``, dropping its null vector ``α``.
    * ``"paper"``: eigenpairs of ``Π₂ G⁻² Π₂`` (``Π₂`` projects ``⟂ α``),
      ``s_k = √(N/λ_k)``. Needs every gain nonzero; loses digits for tiny gains.
    * ``"svd"``: singular values and left vectors of ``G Q`` (``Q`` an orthonormal basis
      of ``1⟂``), ``s_k = √N σ_k``.

    Accuracy, honestly (``κ = s_max/s_min``, see :func:`route_error_bound`): ``"secular"``
    keeps every semi-axis to a few ulps over the whole float64 range; ``"eigh"`` and
    ``"paper"`` keep only ``≈ ½ ε κ²`` relative accuracy on the smallest semi-axis, ``"svd"``
    ``≈ ε κ``. A dense route whose bound exceeds ``rtol`` is refused with a ``ValueError``
    (for the last LayerNorm of MiniLM, with a gain of 5e-33, ``κ² ≈ 2e64``: "paper" and
    "eigh" would return NaN or garbage) instead of returning wrong digits.

    Parameters
    ----------
    gain : array_like, shape (N,)
        Gain ``g``, ``N >= 2``; zero and negative entries allowed (see the module notes).
    method : str, default "secular"
        One of ``"secular"``, ``"eigh"``, ``"paper"``, ``"svd"`` (see above).
    rtol : float, default 1e-2
        Largest a-priori relative error accepted from a dense route (not used by
        ``"secular"``).

    Returns
    -------
    semi_axes : numpy.ndarray, shape (N-1,)
        Descending; collapsed semi-axes (``k ≥ 2`` zero gains) are exactly 0.
    axes : numpy.ndarray, shape (N-1, N)
        Orthonormal rows, row ``k`` along ``semi_axes[k]``; orthogonal to
        :func:`normal_space` (for collapsed axes see the module notes). Within a repeated
        semi-axis the basis is one valid choice among many.

    Raises
    ------
    ValueError
        ``N < 2``, wrong shape, non-finite gains, ``√N max|g|`` beyond float64, an unknown
        ``method``, a zero gain with ``method="paper"``, or a dense route whose error
        bound exceeds ``rtol``.

    Examples
    --------
    >>> s, u = principal_axes([1.0, 2.0, 3.0])
    >>> s.round(6)
    array([4.582576, 2.645751])
    >>> bool(abs(u @ [1.0, 1/2, 1/3]).max() < 1e-12)  # inside the hyperplane α·u = 0
    True
    """
    method = as_choice(method, "method", METHODS)
    rtol = as_eps(rtol, "rtol")
    if rtol >= 1:
        raise ValueError(f"rtol must be < 1 (a relative error of 1 keeps no digit), got {rtol}")
    g = _axes_gain(gain)
    if method != "secular":
        _require_route(g, method, rtol)
    if method == "secular":
        s, axes = _secular.secular_axes(_secular.deflate(g))
    else:
        route = {"eigh": _axes_eigh, "paper": _axes_paper, "svd": _axes_svd}[method]
        try:
            with np.errstate(all="ignore"):
                s, axes = route(g)
        except np.linalg.LinAlgError as exc:
            raise ValueError(
                f"method={method!r} failed in LAPACK ({exc}) for this gain; "
                "use method='secular'"
            ) from None
        if not (np.all(np.isfinite(s)) and np.all(np.isfinite(axes))):
            raise ValueError(
                f"method={method!r} produced non-finite semi-axes or axes for this gain "
                f"(rtol = {rtol:g} let it run); use method='secular'"
            )
    return s, _sign_fix(axes)


def _require_route(g: np.ndarray, method: str, rtol: float) -> None:
    if method == "paper" and np.any(g == 0):
        return  # _axes_paper explains the zero gain itself
    bound = _route_bound(g, method, _secular.secular_semi_axes(_secular.deflate(g)))
    if bound > rtol:
        raise ValueError(
            f"method={method!r} cannot keep rtol = {rtol:g} for this gain: its a-priori error "
            f"bound is {bound:.1e} (s_max/s_min of the semi-axes is huge, from "
            f"max|gain|/min|gain| = {np.max(np.abs(g)) / np.min(np.abs(g[g != 0])):.1e}); "
            "use method='secular', accurate to a few ulps over the whole float64 range, "
            "or raise rtol"
        )


@finite_result()
def semi_axes(gain) -> np.ndarray:
    r"""Return the ``N − 1`` semi-axes of the output ellipsoid, descending (no directions).

    .. math::

        s_k = \sqrt{N \mu_k}, \qquad
        \sum_n \frac{1}{g_n^2 - \mu_k} = 0 ,

    solved by the deflated secular solver of :mod:`lngeo.secular` in chunks, so memory
    stays O(N): ``N = 12288`` takes a few seconds where ``numpy.linalg.eigvalsh`` of the
    ``N × N`` matrix ``M`` takes over a minute (see ``benchmarks/axes.py``).

    Parameters
    ----------
    gain : array_like, shape (N,)

    Returns
    -------
    numpy.ndarray, shape (N-1,)
        Same values as ``principal_axes(gain)[0]``.

    Raises
    ------
    ValueError
        ``N < 2``, wrong shape, non-finite gains.

    Examples
    --------
    >>> semi_axes([1.0, 2.0, 3.0]).round(6)
    array([4.582576, 2.645751])
    >>> semi_axes([3.0, -3.0, 3.0, 0.0])  # |g| = 3 three times: semi-axis sqrt(N)*3 twice
    array([6., 6., 3.])
    """
    g = _axes_gain(gain)
    return _secular.secular_semi_axes(_secular.deflate(g))


@finite_result()
def interlacing_bounds(gain) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(lower, upper)`` bounds on each semi-axis from interlacing (MATH.md §4).

    With ``|g|`` sorted ascending, ``|g|_{(1)} ≤ … ≤ |g|_{(N)}``, and the semi-axes sorted
    ascending, ``s_{(1)} ≤ … ≤ s_{(N-1)}``:

    .. math::

        \sqrt N\,|g|_{(k)} \;\le\; s_{(k)} \;\le\; \sqrt N\,|g|_{(k+1)},
        \qquad k = 1, \dots, N-1 .

    Returned in the **descending** order of :func:`semi_axes`, so that
    ``lower <= semi_axes(gain) <= upper`` elementwise.

    Parameters
    ----------
    gain : array_like, shape (N,)

    Returns
    -------
    lower : numpy.ndarray, shape (N-1,)
    upper : numpy.ndarray, shape (N-1,)

    Raises
    ------
    ValueError
        ``N < 2``, wrong shape, non-finite gains.

    Examples
    --------
    >>> lo, hi = interlacing_bounds([1.0, 2.0, 3.0])
    >>> lo.round(4), hi.round(4)
    (array([3.4641, 1.7321]), array([5.1962, 3.4641]))
    """
    g = _gain(gain)
    a = np.sort(np.abs(g))[::-1] * np.sqrt(g.size)
    return a[1:].copy(), a[:-1].copy()


# --------------------------------------------------------------------------- points of the set
def _affine_inputs(y, gain, bias):
    y = as_activations(y, "y")
    n = y.shape[-1]
    g = _gain(as_parameter(gain, n, "gain", 1.0))
    b = as_parameter(bias, n, "bias", 0.0).astype(np.float64)
    return y.astype(np.float64), g, b


@finite_result()
def slice_coordinates(y, gain=None, bias=None, method: str = "secular") -> np.ndarray:
    r"""Return the coordinates ``c_k = u_k·(y − b)/s_k`` of ``y`` in the principal-axis frame.

    .. math::

        c_k = \frac{u_k \cdot (y - b)}{s_k}, \qquad
        \sum_k c_k^2 = r^2 = \frac{\sigma^2}{\sigma^2 + \varepsilon}
        \ \text{ for } y = \mathrm{LN}(a),

    so ``Σ c_k² < 1`` is "inside the ellipsoid" and the radius ``√(Σ c_k²)`` is the
    radial fraction of :func:`~lngeo.core.radial_fraction`. Coordinates along collapsed axes
    (``s_k = 0``) are reported as 0; use :func:`ellipsoid_contains` to check that ``y``
    also lies on the set's affine hull.

    Parameters
    ----------
    y : array_like, shape (..., N)
        Points, e.g. LayerNorm outputs.
    gain, bias : array_like, shape (N,), optional
        Defaults 1 and 0.
    method : str, default "secular"
        Passed to :func:`principal_axes`.

    Returns
    -------
    numpy.ndarray, shape (..., N-1)
        In the order of :func:`principal_axes` (descending semi-axes).

    Raises
    ------
    ValueError
        Wrong shapes, non-finite values, ``N < 2``.

    Examples
    --------
    >>> from lngeo import layer_norm
    >>> y = layer_norm([0.3, -1.2, 2.0, 0.1], gain=[1.0, 2.0, 0.5, 1.5], eps=0.0)
    >>> c = slice_coordinates(y, gain=[1.0, 2.0, 0.5, 1.5])
    >>> round(float((c ** 2).sum()), 12)  # on the surface when eps = 0
    1.0
    """
    method = as_choice(method, "method", METHODS)
    y, g, b = _affine_inputs(y, gain, bias)
    s, axes = principal_axes(g, method=method)
    dy, k = _scaled_offsets(y, b)
    out = _coordinates(dy, k, s, axes)
    if not np.all(np.isfinite(out)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise ValueError(
            f"y is so far from the ellipsoid that its coordinate {idx} exceeds the float64 "
            "range (|u_k·(y − b)|/s_k > 1.8e308); use ellipsoid_contains to test such points"
        )
    return out


def _scaled_offsets(y: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """``(y − b)/2**k`` without overflow, ``2**k >= max(|y|, |b|)``, and ``k``."""
    top = max(float(np.max(np.abs(y), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    k = int(np.frexp(top)[1]) if top > 0 else 0
    return np.ldexp(y, -k) - np.ldexp(b, -k), k


def _coordinates(dy: np.ndarray, k: int, s: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """``c_k = u_k·(y − b)/s_k`` from scaled offsets; ``inf`` where it is beyond float64."""
    comp = dy @ axes.T
    positive = s > 0
    out = np.zeros_like(comp)
    with np.errstate(over="ignore", under="ignore"):
        out[..., positive] = np.ldexp(comp[..., positive] / s[positive], k)
    return out


@finite_result()
def ellipsoid_contains(y, gain=None, bias=None, rtol: float = 1e-9) -> np.ndarray:
    r"""Return whether each ``y`` lies in the closed output set (hyperplane ∩ ellipsoid).

    The set is ``{b + G z : 1·z = 0, |z|² ≤ N}`` (MATH.md §1–2). It is tested in ``z``:
    with ``z_n = (y − b)_n / g_n`` for the nonzero gains (one rounding per entry, so gains
    of 1e-200 next to 1 are resolved; a principal-axis test in ``y``-space would drown the
    tiny axes in round-off) and the ``k₀`` zero-gain coordinates free,

    .. math::

        y_j = b_j \ (g_j = 0), \qquad
        \begin{cases}
            |\textstyle\sum_n z_n| \le \text{rtol}\,N,\ |z|^2 \le N(1 + \text{rtol})
                & k_0 = 0,\\
            |z|^2 + (\textstyle\sum_n z_n)^2 / k_0 \le N(1 + \text{rtol}) & k_0 \ge 1,
        \end{cases}

    (with ``k₀ ≥ 1`` the free ``z_j`` absorb ``Σ z``; the cheapest way costs ``(Σz)²/k₀``).
    ``y_j = b_j`` is checked to ``rtol · √N max|g|``.

    Parameters
    ----------
    y : array_like, shape (..., N)
    gain, bias : array_like, shape (N,), optional
    rtol : float, default 1e-9

    Returns
    -------
    numpy.ndarray of bool, shape (...)

    Raises
    ------
    ValueError
        Wrong shapes, non-finite values, ``N < 2``, negative ``rtol``.

    Examples
    --------
    >>> from lngeo import layer_norm
    >>> g = [1.0, 2.0, 0.5]
    >>> bool(ellipsoid_contains(layer_norm([0.3, -1.2, 2.0], gain=g), gain=g))
    True
    >>> bool(ellipsoid_contains([1.0, 1.0, 1.0], gain=g))  # off the hyperplane
    False
    """
    rtol = as_eps(rtol, "rtol")
    y, g, b = _affine_inputs(y, gain, bias)
    n = g.size
    if np.max(np.abs(g)) == 0:
        return np.all(y == b, axis=-1)
    dy, k = _scaled_offsets(y, b)  # (y − b)/2**k, no overflow
    nz = g != 0
    k0 = n - int(np.count_nonzero(nz))
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.ldexp(dy[..., nz] / g[nz], k)  # inf where |z| is beyond float64: outside
        zmax = np.max(np.abs(z), axis=-1, keepdims=True)
        zs = z / np.where((zmax > 0) & np.isfinite(zmax), zmax, 1.0)
        top = zmax[..., 0]
        norm2 = np.sum(zs * zs, axis=-1) * top * top
        total = np.sum(zs, axis=-1) * top
        if k0 == 0:
            inside = (np.abs(total) <= rtol * n) & (norm2 <= n * (1.0 + rtol))
        else:
            pinned = np.max(np.abs(dy[..., ~nz]), axis=-1)
            tol = np.ldexp(rtol * np.sqrt(n) * np.max(np.abs(g)), -k)
            inside = (pinned <= tol) & (norm2 + total * total / k0 <= n * (1.0 + rtol))
    return np.asarray(inside & np.isfinite(norm2))


# --------------------------------------------------------------------------- dynamics
def _inverse_std(d: np.ndarray, k: np.ndarray, eps: float) -> np.ndarray:
    """``1/√(σ² + ε)`` for ``Πx = d·2**k``, rescaled by powers of two like ``core._unit_scale``."""
    dmax = np.max(np.abs(d), axis=-1, keepdims=True)
    zero = dmax == 0
    _, kd = np.frexp(dmax)
    kd = np.where(zero, np.iinfo(np.int32).min // 2, kd)
    if eps > 0:
        fe, ke = np.frexp(np.sqrt(eps))
        ke_rel = ke - k
        kt = np.maximum(kd, ke_rel)
        eps_t = np.ldexp(fe, ke_rel - kt) ** 2
    else:
        kt = kd
        eps_t = 0.0
    dt = np.ldexp(d, -kt)
    ms = np.mean(dt * dt, axis=-1, keepdims=True)
    return np.ldexp(1.0 / np.sqrt(ms + eps_t), -(k + kt))[..., 0]


@finite_result()
def jacobian(x, gain=None, eps: float = 1e-5) -> np.ndarray:
    r"""Return the Jacobian ``∂LN(x)/∂x`` (the bias drops out), batched over leading axes.

    .. math::

        J(a) = \frac{\sqrt N\, G}{\sqrt{|\Pi a|^2 + N\varepsilon}}
               \Big(\Pi - \frac{\Pi a\, (\Pi a)^\top}{|\Pi a|^2 + N\varepsilon}\Big)
             = \frac{G}{\sqrt{\sigma^2 + \varepsilon}}\Big(\Pi - \frac{z z^\top}{N}\Big),

    with ``z = (a − μ1)/√(σ² + ε)`` the scaled input. ``J 1 = 0`` always; with
    ``ε = 0`` also ``J Πa = 0`` (the radial direction is forgotten). Computed after
    rescaling by powers of two, like :func:`~lngeo.core.layer_norm`, so huge or tiny inputs
    do not overflow; a constant input with ``ε > 0`` gives ``GΠ/√ε``.

    Parameters
    ----------
    x : array_like, shape (..., N)
    gain : array_like, shape (N,), optional
        Default 1.
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, shape (..., N, N)
        ``J[..., i, j] = ∂LN(x)_i/∂x_j``, in the input's floating dtype (float64 for integers).

    Raises
    ------
    ValueError
        Wrong shapes, non-finite values, ``eps < 0``, zero variance with ``eps = 0``.

    Examples
    --------
    >>> J = jacobian([1.0, 2.0, 4.0], gain=[1.0, 2.0, 3.0], eps=0.0)
    >>> J.shape, bool(abs(J @ [1.0, 1.0, 1.0]).max() < 1e-15)
    ((3, 3), True)
    >>> (J @ [-4/3, -1/3, 5/3]).round(12) + 0.0  # the radial direction Πa is killed
    array([0., 0., 0.])
    """
    eps = as_eps(eps)
    x = as_activations(x)
    n = x.shape[-1]
    g = as_parameter(gain, n, "gain", 1.0)
    out = working_dtype(x, *([g] if gain is not None else []))
    comp = np.result_type(out, np.float64)
    x = x.astype(comp)
    g = g.astype(comp)
    d, k = _center(x)
    z, _ = _unit_scale(d, k, eps, "variance")  # raises for 0/0
    c = _inverse_std(d, k, eps)
    proj = np.eye(n, dtype=comp) - 1.0 / n
    inner = proj - z[..., :, None] * z[..., None, :] / n
    J = (c[..., None, None] * g[:, None]) * inner
    return J.astype(out, copy=False)
