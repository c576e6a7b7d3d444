r"""A fast, accurate solver for the principal axes of the LayerNorm output ellipsoid.

The semi-axes of the output set are ``s_k = √(N μ_k)`` for the nonzero eigenvalues
``μ_k`` of the rank-one downdate (MATH.md §3–§5)

.. math::

    M = G \Pi G = G^2 - \tfrac1N g g^\top .

Write ``d`` for the distinct values of ``g²`` (ascending, the *poles*) and ``m`` for
their multiplicities. The nonzero eigenvalues of ``M`` that are not a pole are the roots
of the factored secular equation

.. math::

    \varphi(\mu) = \sum_j \frac{m_j}{d_j - \mu} = 0 ,

one root strictly inside each gap ``(d_j, d_{j+1})``; every pole ``d_j`` with
``m_j ≥ 2`` is itself an eigenvalue of multiplicity ``m_j − 1`` (deflation; a zero pole
gives the ``k − 1`` collapsed axes of ``k`` zero gains).

How the solver keeps full relative accuracy:

* It works with ``|g|`` (semi-axes do not see signs) and mirrors the directions by
  ``S = diag(sign g)`` at the end (MATH.md §6).
* Each root carries a scale of its own: the root in the gap ``(a_t², a_{t+1}²)`` is
  solved with every ``|g|`` divided by the power of two ``2**e_t`` that puts ``a_{t+1}``
  in ``[0.5, 1)``. Every root satisfies ``μ_t ≥ a_{t+1}²/(N+1)`` (the left sum of φ is at
  least ``1/μ``, the right one at most ``N/(a_{t+1}² − μ)``), so in its own scale
  ``μ_t ∈ [1/(N+1), 1)``: squares never overflow, and the poles that underflow or are
  clipped (``|g|/2**e_t > 2**500``) change φ by less than ``2**-900`` relative. This is what
  makes gains spanning the whole float64 range (``1e-300 … 1e300``) solvable.
* Each root is stored as ``(o, δ)``: the index ``o`` of the nearer pole and the offset
  ``δ = μ − d_o``; differences ``d_j − μ = (d_j − d_o) − δ`` use pole differences
  computed as ``(|g|_j − |g|_o)(|g|_j + |g|_o)``, accurate to a few ulps.
* All roots are solved at once (in chunks of rows, so memory stays O(N)) by a guarded
  rational ("middle way") Newton iteration, started at the middle of each gap and kept
  inside a bisection bracket: 3–6 iterations.
* Eigenvectors ``u_k ∝ (D − μ_k I)^{-1} ẑ`` use weights ``ẑ`` recomputed from the
  computed roots (Löwner's formula, as in Gu & Eisenstat 1994), so that they are
  orthogonal to working precision even for clustered gains.

The public entry points are :func:`~lngeo.geometry.semi_axes` and
:func:`~lngeo.geometry.principal_axes`; this module holds the numerical kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_count, as_gain, as_real, finite_result

__all__ = [
    "Deflation",
    "deflate",
    "root_exponents",
    "root_semi_axes",
    "secular_roots",
    "secular_semi_axes",
    "secular_axes",
]

#: Rows x poles handled at once: bounds the temporary memory of every kernel.
CHUNK_ELEMENTS = 1 << 18
MAX_ITERATIONS = 60


@dataclass(frozen=True)
class Deflation:
    """The gains regrouped by distinct ``|g|`` (the poles of the secular equation).

    Attributes
    ----------
    n : int
        Number of neurons ``N``.
    a : numpy.ndarray
        Distinct values of ``|g|``, ascending, divided by the power of two ``2**e``.
    weight : numpy.ndarray
        Multiplicity of each distinct value (as floats).
    block : numpy.ndarray
        For each neuron, the index into ``a`` of its ``|g|``.
    sign : numpy.ndarray
        ``sign(g)`` with ``+1`` for zero gains (the mirror ``S``).
    exponent : int
        ``e`` with ``|g| = a[block] * 2**e``.
    """

    n: int
    a: np.ndarray
    weight: np.ndarray
    block: np.ndarray
    sign: np.ndarray
    exponent: int

    @property
    def has_zero(self) -> bool:
        """Whether some gain is exactly zero (then ``a[0] == 0``)."""
        return bool(self.a[0] == 0)

    @property
    def n_roots(self) -> int:
        """The number of secular roots, one per gap between consecutive poles."""
        return self.a.size - 1


def _check_defl(defl) -> Deflation:
    if not isinstance(defl, Deflation):
        raise TypeError(f"defl must be a Deflation from deflate(gain), got {type(defl).__name__}")
    return defl


def _check_gaps(defl: Deflation, gaps, name: str = "gaps") -> np.ndarray:
    arr = as_real(gaps, name, ndim=1)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer gap indices, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > defl.a.size - 2):
        raise ValueError(f"{name} must lie in [0, {defl.a.size - 2}], got {arr.min()}..{arr.max()}")
    return arr.astype(np.intp)


@finite_result()
def deflate(g: np.ndarray, dtype=np.float64) -> Deflation:
    """Group a (checked, finite, 1-d) gain vector by distinct ``|g|``.

    The distinct ``|g|`` are kept exactly (``exponent`` is 0): every root is solved in a
    power-of-two scale of its own (:func:`root_exponents`), never in one global scale that
    would flush gains 1e-300 next to 1e300 to zero.
    """
    try:
        known = np.dtype(dtype) in (np.dtype(np.float64), np.dtype(np.longdouble))
    except (TypeError, ValueError):
        known = False
    if not known:
        raise TypeError(f"dtype must be numpy.float64 or numpy.longdouble, got {dtype!r}")
    g = as_gain(g, "g")
    if g.size == 0:
        raise ValueError("g must have at least one entry, got shape (0,)")
    g = np.asarray(g, dtype=dtype)
    absg = np.abs(g)
    a, block, counts = np.unique(absg, return_inverse=True, return_counts=True)
    sign = np.where(g < 0, -1.0, 1.0).astype(dtype)
    return Deflation(
        n=g.size,
        a=a.astype(dtype),
        weight=counts.astype(dtype),
        block=block.reshape(-1),
        sign=sign,
        exponent=0,
    )


#: Scaled ``|g|`` above ``2**CLIP`` are clipped: their terms are below ``2**-2CLIP``.
CLIP = 500


@finite_result()
def root_exponents(defl: Deflation, gaps: np.ndarray) -> np.ndarray:
    """``e_t`` with ``a_{t+1} / 2**e_t`` in ``[0.5, 1)``: the scale of the root in gap ``t``."""
    gaps = _check_gaps(_check_defl(defl), gaps)
    return np.frexp(defl.a[np.asarray(gaps, dtype=np.intp) + 1])[1].astype(np.intp)


def _scaled_rows(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``A[r, j] = a_j / 2**e_r``, clipped to ``2**CLIP`` (exact below the clip)."""
    A = np.ldexp(a[None, :], -e[:, None])
    return np.minimum(A, np.ldexp(a.dtype.type(1), CLIP))


def _rows_per_chunk(columns: int, chunk_elements: int | None) -> int:
    return max(1, (chunk_elements or CHUNK_ELEMENTS) // max(columns, 1))


def _pole_differences(A: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """``D[r, j] = A_rj² − A_{r,o_r}²``, computed as a product of a difference and a sum."""
    ao = A[np.arange(A.shape[0]), origin][:, None]
    return (A - ao) * (A + ao)


def _evaluate(D: np.ndarray, delta: np.ndarray, w: np.ndarray | None, buf: np.ndarray):
    """Return ``(φ, ψ1, ψ2, ψ1', ψ2')`` at offsets ``δ``: ψ1 sums the poles left of μ."""
    np.subtract(D, delta[:, None], out=buf)
    np.divide(1.0, buf, out=buf)
    neg = np.minimum(buf, 0.0)
    np.maximum(buf, 0.0, out=buf)
    if w is None:
        psi1 = neg.sum(axis=1)
        psi2 = buf.sum(axis=1)
        neg *= neg
        buf *= buf
        dpsi1 = neg.sum(axis=1)
        dpsi2 = buf.sum(axis=1)
    else:
        psi1 = neg @ w
        psi2 = buf @ w
        neg *= neg
        buf *= buf
        dpsi1 = neg @ w
        dpsi2 = buf @ w
    return psi1 + psi2, psi1, psi2, dpsi1, dpsi2


def _middle_way_step(phi, dpsi1, dpsi2, tau_left, tau_right):
    """Step ``η`` to the root of the two-pole rational model of φ (Li's "middle way").

    The left and right parts of φ are each modelled by ``a + s / (τ − η)`` matching value
    and slope at ``η = 0``; the model's root in ``(τ_left, τ_right)`` solves a quadratic,
    evaluated in the cancellation-free form ``c = τ_L τ_R φ``.
    """
    s = dpsi1 * tau_left * tau_left
    S = dpsi2 * tau_right * tau_right
    a = phi - dpsi1 * tau_left - dpsi2 * tau_right
    b = a * (tau_left + tau_right) + s + S
    c = tau_left * tau_right * phi
    disc = np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0))
    big = b + np.copysign(disc, b)
    r_small = 2.0 * c / big
    r_large = big / (2.0 * a)
    inside_small = (r_small > tau_left) & (r_small < tau_right)
    inside_large = (r_large > tau_left) & (r_large < tau_right)
    eta = np.where(inside_small, r_small, np.where(inside_large, r_large, np.nan))
    return eta


def _bisect(D, delta, lo, hi, w, rows, buf):
    """Finish the rows ``rows`` by bisection until the bracket holds no float between its ends."""
    lo_r, hi_r = lo[rows].copy(), hi[rows].copy()
    todo = np.arange(rows.size)
    for _ in range(4 * 1100):  # enough to split any float interval down to one ulp
        mid = lo_r[todo] + 0.5 * (hi_r[todo] - lo_r[todo])
        stuck = (mid <= lo_r[todo]) | (mid >= hi_r[todo])
        todo, mid = todo[~stuck], mid[~stuck]
        if not todo.size:
            break
        phi = _evaluate(D[rows[todo]], mid, w, buf[: todo.size])[0]
        lo_r[todo] = np.where(phi < 0, mid, lo_r[todo])
        hi_r[todo] = np.where(phi < 0, hi_r[todo], mid)
    mid = lo_r + 0.5 * (hi_r - lo_r)
    delta[rows] = np.where(mid == 0, np.where(lo_r == 0, hi_r, lo_r), mid)
    return todo.size


def _solve_chunk(a: np.ndarray, w: np.ndarray | None, gaps: np.ndarray, stats: dict | None):
    """Solve the roots in the gaps ``gaps`` (root ``t`` in ``(a_t², a_{t+1}²)``), each root in
    its own scale ``2**e_t`` (:func:`root_exponents`); returns ``(origin, delta, e)``."""
    dtype = a.dtype
    eps = np.finfo(dtype).eps
    B = gaps.size
    P = a.size
    e = np.frexp(a[gaps + 1])[1].astype(np.intp)
    A = _scaled_rows(a, e)
    rows_idx = np.arange(B)
    aL, aR = A[rows_idx, gaps], A[rows_idx, gaps + 1]
    h = (aR - aL) * (aR + aL)
    # 1. Evaluate at the middle of each gap, measured from the left pole.
    D = _pole_differences(A, gaps)
    buf = np.empty((B, P), dtype=dtype)
    half = 0.5 * h
    phi, _, _, dpsi1, dpsi2 = _evaluate(D, half, w, buf)
    right = phi < 0  # root in the right half: measure from the right pole
    # 2. Choose the origin (nearer pole) and the bracket for δ = μ − d_origin.
    origin = np.where(right, gaps + 1, gaps)
    if np.any(right):
        D[right] = _pole_differences(A[right], origin[right])
    lo = np.where(right, -half, 0.0)
    hi = np.where(right, 0.0, half)
    # First step from the midpoint (τ_L = −h/2, τ_R = h/2), expressed in the new frame.
    eta = _middle_way_step(phi, dpsi1, dpsi2, -half, half)
    delta = np.where(right, -half, half) + eta
    bad = ~((delta >= lo) & (delta <= hi) & (delta != 0))
    delta = np.where(bad, 0.5 * (lo + hi), delta)
    delta = np.where(phi == 0, half, delta)
    # 3. Iterate on the rows that have not converged.
    active = np.flatnonzero(phi != 0)
    iterations = 1
    while active.size and iterations < MAX_ITERATIONS:
        iterations += 1
        Da = D[active]
        da = delta[active]
        ha = h[active]
        ra = right[active]
        phi, psi1, psi2, dpsi1, dpsi2 = _evaluate(Da, da, w, buf[: active.size])
        # bracket update: φ is increasing in μ
        lo_a = np.where(phi < 0, da, lo[active])
        hi_a = np.where(phi > 0, da, hi[active])
        lo[active] = lo_a
        hi[active] = hi_a
        tau_left = np.where(ra, -ha, 0.0) - da
        tau_right = np.where(ra, 0.0, ha) - da
        eta = _middle_way_step(phi, dpsi1, dpsi2, tau_left, tau_right)
        new = da + eta
        # outside the bracket (or on the pole δ = 0, or NaN): bisect instead
        bad = ~((new >= lo_a) & (new <= hi_a) & (new != 0))
        new = np.where(bad, 0.5 * (lo_a + hi_a), new)
        noise = 4.0 * eps * (psi2 - psi1)
        small = ~bad & (np.abs(eta) <= 4.0 * eps * np.abs(da))
        collapsed = (lo_a + 0.5 * (hi_a - lo_a) <= lo_a) | (lo_a + 0.5 * (hi_a - lo_a) >= hi_a)
        done = (phi == 0) | small | (np.abs(phi) <= noise) | collapsed
        new = np.where(phi == 0, da, new)
        delta[active] = new
        active = active[~done]
    bisected = int(active.size)
    left = _bisect(D, delta, lo, hi, w, active, buf) if bisected else 0
    if not np.all(np.isfinite(delta)) or left:  # pragma: no cover - a bracket always closes
        raise RuntimeError(
            f"secular solver: {left} root(s) did not converge; please report the gains"
        )
    if stats is not None:
        stats["iterations"] = max(stats.get("iterations", 0), iterations)
        stats["bisected"] = stats.get("bisected", 0) + bisected
        stats["unconverged"] = stats.get("unconverged", 0) + left
    return origin, delta, e


@finite_result()
def secular_roots(
    defl: Deflation,
    gaps: np.ndarray | None = None,
    chunk_elements: int | None = None,
    stats: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the secular roots as ``(origin, delta)``: ``μ_t = (a_o² + δ_t)·4**e_t``.

    Solves :math:`\sum_j m_j/(a_j^2 - \mu) = 0` in each gap ``t`` (root in
    ``(a_t², a_{t+1}²)``), all gaps at once, in chunks of rows. Each root is stored in its
    own scale ``2**e_t`` (:func:`root_exponents`): ``δ_t`` and ``a_o/2**e_t`` are in it.
    Roots the rational iteration has not settled after ``MAX_ITERATIONS`` are finished by
    bisection down to one ulp (counted in ``stats["bisected"]``); none is left unconverged.

    Parameters
    ----------
    defl : Deflation
        From :func:`deflate`.
    gaps : numpy.ndarray, optional
        Which gaps to solve (default all ``0 … P−2``); lets a reference solve a sample.
    chunk_elements : int, optional
        Rows × poles per chunk (default ``CHUNK_ELEMENTS``).
    stats : dict, optional
        Receives ``"iterations"`` (maximum over chunks), ``"bisected"`` and
        ``"unconverged"`` (always 0: a RuntimeError is raised instead).

    Returns
    -------
    origin : numpy.ndarray of int
        Index of the nearer pole for each root.
    delta : numpy.ndarray
        Offset of the root from that pole, in the root's own units ``4**e_t``.
    """
    a = _check_defl(defl).a
    P = a.size
    gaps = np.arange(P - 1) if gaps is None else _check_gaps(defl, gaps)
    if chunk_elements is not None:
        chunk_elements = as_count(chunk_elements, "chunk_elements", low=1)
    if stats is not None and not isinstance(stats, dict):
        raise TypeError(f"stats must be a dict or None, got {type(stats).__name__}")
    origin = np.empty(gaps.size, dtype=np.intp)
    delta = np.empty(gaps.size, dtype=a.dtype)
    w = None if np.all(defl.weight == 1) else defl.weight
    rows = _rows_per_chunk(P, chunk_elements)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for start in range(0, gaps.size, rows):
            sl = slice(start, start + rows)
            origin[sl], delta[sl], _ = _solve_chunk(a, w, gaps[sl], stats)
    return origin, delta


def _root_values(defl: Deflation, origin: np.ndarray, delta: np.ndarray, gaps=None) -> np.ndarray:
    """``μ' = (a_o/2**e_t)² + δ`` in each root's own units (``μ_t = μ' · 4**e_t``)."""
    gaps = np.arange(origin.size) if gaps is None else np.asarray(gaps, dtype=np.intp)
    ao = np.ldexp(defl.a[origin], -root_exponents(defl, gaps))
    return ao * ao + delta


@finite_result()
def root_semi_axes(defl: Deflation, origin, delta, gaps=None) -> np.ndarray:
    """``s_t = √(N μ_t)`` for solved roots, computed in each root's scale (never overflows
    when ``√N max|g|`` is finite; a result below the float range rounds like any float)."""
    _check_defl(defl)
    origin = as_real(origin, "origin", ndim=1)
    delta = as_real(delta, "delta", ndim=1)
    gaps = np.arange(origin.size) if gaps is None else _check_gaps(defl, gaps)
    if origin.dtype.kind not in "iu" or not (origin.shape == delta.shape == gaps.shape):
        raise ValueError(
            f"origin (integer pole indices) and delta must both have shape {gaps.shape}, "
            f"got {origin.dtype} {origin.shape} and {delta.shape}"
        )
    if origin.size and (origin.min() < 0 or origin.max() >= defl.a.size):
        raise ValueError(f"origin must index the {defl.a.size} poles, got {origin.min()}..")
    mu = _root_values(defl, origin, delta.astype(defl.a.dtype), gaps)
    if np.any(mu < 0):
        raise ValueError("delta puts a root below 0: origin and delta must come from secular_roots")
    return np.ldexp(np.sqrt(defl.n * mu), root_exponents(defl, gaps))


def _deflated_values(defl: Deflation) -> tuple[np.ndarray, np.ndarray]:
    """Pole indices repeated ``m − 1`` times: the deflated eigenvalues ``a_i²``."""
    reps = (defl.weight - 1).astype(np.intp)
    idx = np.repeat(np.arange(defl.a.size), reps)
    return idx, defl.a[idx]


def _deflated_semi_axes(defl: Deflation, a_defl: np.ndarray) -> np.ndarray:
    """``√N a`` for deflated poles, without overflowing ``N a²``."""
    return np.sqrt(a_defl.dtype.type(defl.n)) * a_defl


@finite_result()
def secular_semi_axes(
    defl: Deflation, chunk_elements: int | None = None, stats: dict | None = None
) -> np.ndarray:
    """Return the ``N − 1`` semi-axes ``√(N μ)``, descending, from a :class:`Deflation`.

    Memory is O(N) plus one chunk of ``chunk_elements`` numbers.
    """
    _check_defl(defl)
    origin, delta = secular_roots(defl, chunk_elements=chunk_elements, stats=stats)
    _, a_defl = _deflated_values(defl)
    s = np.concatenate([root_semi_axes(defl, origin, delta), _deflated_semi_axes(defl, a_defl)])
    return np.sort(s)[::-1].copy()


def _householder_complement(m: int, dtype) -> np.ndarray:
    """Rows: an orthonormal basis (m − 1 rows) of the complement of ``1/√m`` in R^m.

    Columns 2…m of the Householder reflector ``H = I − 2 w wᵀ/|w|²`` with ``w = e_1 + 1/√m``,
    which maps ``e_1`` to ``−1/√m``.
    """
    v = np.full(m, 1.0 / np.sqrt(m), dtype=dtype)
    w = v.copy()
    w[0] += 1.0
    H = np.eye(m, dtype=dtype) - (2.0 / (w @ w)) * np.outer(w, w)
    return H[:, 1:].T.copy()


def _recomputed_weights(defl: Deflation, origin, delta, chunk_elements) -> np.ndarray:
    r"""Löwner weights ``ẑ = a ⊙ w`` for which the computed roots are exact eigenvalues.

    For the (block-combined) problem ``D − ẑ ẑᵀ`` with poles ``c_i = a_i²`` and roots
    ``r_t ∈ (c_t, c_{t+1})`` (plus the exact root 0 when no gain is zero):

    .. math::

        ẑ_i^2 = c_i \prod_{t<i} \frac{c_i - r_t}{c_i - c_t}
                 \prod_{t \ge i} \frac{r_t - c_i}{c_{t+1} - c_i},

    every factor in ``[0, 1]`` (interlacing) and scale-free, so each is computed in the
    scale ``2**e_t`` of its root; the product ``w_i²`` neither overflows nor underflows
    harmfully. Returns ``w`` (``ẑ_i = a_i w_i``); ``w = 0`` for a zero pole.
    """
    a = defl.a
    P = a.size
    w = np.zeros(P, dtype=a.dtype)
    if P == 1:
        w[0] = 0.0 if defl.has_zero else 1.0
        return w
    start_pole = 1 if defl.has_zero else 0
    T = np.arange(P - 1)
    e = root_exponents(defl, T)
    clip = np.ldexp(a.dtype.type(1), CLIP)
    ao = np.minimum(np.ldexp(a[origin], -e), clip)  # the root's nearer pole, scale t
    a_lo = np.ldexp(a[T], -e)  # sqrt(c_t) in scale t
    a_hi = np.ldexp(a[T + 1], -e)  # sqrt(c_{t+1}) in scale t, in [0.5, 1)
    rows = _rows_per_chunk(P, chunk_elements)
    for start in range(start_pole, P, rows):
        i = np.arange(start, min(P, start + rows))
        ai = np.minimum(np.ldexp(a[i][:, None], -e[None, :]), clip)  # (I, T), scale t
        X = (ai - ao) * (ai + ao) - delta[None, :]  # c_i − r_t, scale t
        below = T[None, :] < i[:, None]
        num = np.where(below, X, -X)
        den = np.where(below, (ai - a_lo) * (ai + a_lo), (a_hi - ai) * (a_hi + ai))
        w[i] = np.sqrt(np.prod(num / den, axis=1))
    return w


@finite_result()
def secular_axes(
    defl: Deflation, chunk_elements: int | None = None, stats: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(semi_axes, axes)`` from a :class:`Deflation`: descending, axes as rows.

    Collapsed axes (``k ≥ 2`` zero gains) span the complement of ``Σ_{g_j=0} e_j`` inside
    ``span{e_j : g_j = 0}``; repeated ``|g|`` blocks get a Householder basis of the
    complement of ``S·1`` inside the block. Direction ``t`` is
    ``u_t ∝ S (D − r_t)^{-1} ẑ``, evaluated in the root's own scale ``2**e_t``.
    """
    n = _check_defl(defl).n
    a = defl.a
    dtype = a.dtype
    origin, delta = secular_roots(defl, chunk_elements=chunk_elements, stats=stats)
    defl_idx, a_defl = _deflated_values(defl)
    values = np.concatenate(
        [root_semi_axes(defl, origin, delta), _deflated_semi_axes(defl, a_defl)]
    )
    order = np.argsort(-values, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    semi = values[order]
    axes = np.zeros((n - 1, n), dtype=dtype)

    # Secular (non-deflated) directions.
    n_roots = origin.size
    if n_roots:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            wts = _recomputed_weights(defl, origin, delta, chunk_elements)
        col_scale = defl.sign / np.sqrt(defl.weight[defl.block])
        rows = _rows_per_chunk(a.size, chunk_elements)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            for start in range(0, n_roots, rows):
                sl = slice(start, min(n_roots, start + rows))
                t = np.arange(sl.start, sl.stop)
                A = _scaled_rows(a, root_exponents(defl, t))  # (B, P)
                ao = A[np.arange(t.size), origin[sl]][:, None]
                X = (A - ao) * (A + ao) - delta[sl][:, None]  # c_i − μ_t, scale t
                V = (A * wts[None, :]) / X
                V[:, wts == 0] = 0.0
                V /= np.max(np.abs(V), axis=1, keepdims=True)
                V /= np.sqrt(np.einsum("ij,ij->i", V, V))[:, None]
                axes[position[sl]] = V[:, defl.block] * col_scale[None, :]

    # Deflated directions: Householder complements inside each repeated block.
    if defl_idx.size:
        members = np.argsort(defl.block, kind="stable")
        starts = np.concatenate([[0], np.cumsum(defl.weight.astype(np.intp))])
        block_rows = n_roots + np.concatenate([[0], np.cumsum(defl.weight.astype(np.intp) - 1)])
        for m in np.unique(defl.weight.astype(np.intp)):
            if m < 2:
                continue
            blocks = np.flatnonzero(defl.weight == m)
            H = _householder_complement(int(m), dtype)  # (m−1, m)
            cols = members[starts[blocks][:, None] + np.arange(m)[None, :]]  # (nb, m)
            rws = position[block_rows[blocks][:, None] + np.arange(m - 1)[None, :]]  # (nb, m−1)
            axes[rws[:, :, None], cols[:, None, :]] = H[None, :, :] * defl.sign[cols][:, None, :]
    return semi, axes
