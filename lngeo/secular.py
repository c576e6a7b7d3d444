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

__all__ = ["Deflation", "deflate", "secular_roots", "secular_semi_axes", "secular_axes"]

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


def deflate(g: np.ndarray, dtype=np.float64) -> Deflation:
    """Group a (checked, finite, 1-d) gain vector by distinct ``|g|``.

    The gains are divided by a power of two so that ``max|g|`` lies in ``[0.5, 1)``
    (exact; avoids overflow in ``g²`` for gains up to 1e300).
    """
    g = np.asarray(g, dtype=dtype)
    absg = np.abs(g)
    amax = absg.max()
    exponent = int(np.frexp(amax)[1]) if amax > 0 else 0
    a, block, counts = np.unique(np.ldexp(absg, -exponent), return_inverse=True, return_counts=True)
    sign = np.where(g < 0, -1.0, 1.0).astype(dtype)
    return Deflation(
        n=g.size,
        a=a.astype(dtype),
        weight=counts.astype(dtype),
        block=block.reshape(-1),
        sign=sign,
        exponent=exponent,
    )


def _rows_per_chunk(columns: int, chunk_elements: int | None) -> int:
    return max(1, (chunk_elements or CHUNK_ELEMENTS) // max(columns, 1))


def _pole_differences(a: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """``D[r, j] = a_j² − a_{o_r}²``, computed as a product of a difference and a sum."""
    ao = a[origin][:, None]
    return (a[None, :] - ao) * (a[None, :] + ao)


def _evaluate(D: np.ndarray, delta: np.ndarray, w: np.ndarray | None, buf: np.ndarray):
    """Return ``(φ, ψ1, ψ1', ψ2')`` at offsets ``δ``: ψ1 sums the poles left of μ, ψ2 the right."""
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
    with np.errstate(divide="ignore", invalid="ignore"):
        r_small = 2.0 * c / big
        r_large = big / (2.0 * a)
    inside_small = (r_small > tau_left) & (r_small < tau_right)
    inside_large = (r_large > tau_left) & (r_large < tau_right)
    eta = np.where(inside_small, r_small, np.where(inside_large, r_large, np.nan))
    return eta


def _solve_chunk(a: np.ndarray, w: np.ndarray | None, gaps: np.ndarray, stats: dict | None):
    """Solve the roots in the gaps ``gaps`` (indices ``t``: root in ``(a_t², a_{t+1}²)``)."""
    dtype = a.dtype
    eps = np.finfo(dtype).eps
    B = gaps.size
    P = a.size
    aL, aR = a[gaps], a[gaps + 1]
    h = (aR - aL) * (aR + aL)
    # 1. Evaluate at the middle of each gap, measured from the left pole.
    D = _pole_differences(a, gaps)
    buf = np.empty((B, P), dtype=dtype)
    half = 0.5 * h
    phi, _, _, dpsi1, dpsi2 = _evaluate(D, half, w, buf)
    right = phi < 0  # root in the right half: measure from the right pole
    # 2. Choose the origin (nearer pole) and the bracket for δ = μ − d_origin.
    origin = np.where(right, gaps + 1, gaps)
    if np.any(right):
        D[right] = _pole_differences(a, origin[right])
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
        done = (phi == 0) | small | (np.abs(phi) <= noise)
        new = np.where(phi == 0, da, new)
        delta[active] = new
        active = active[~done]
    if stats is not None:
        stats["iterations"] = max(stats.get("iterations", 0), iterations)
        stats["unconverged"] = stats.get("unconverged", 0) + int(active.size)
    return origin, delta


def secular_roots(
    defl: Deflation,
    gaps: np.ndarray | None = None,
    chunk_elements: int | None = None,
    stats: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the secular roots as ``(origin, delta)``: ``μ_t = a_o² + δ`` (scaled by ``4**e``).

    Solves :math:`\sum_j m_j/(a_j^2 - \mu) = 0` in each gap ``t`` (root in
    ``(a_t², a_{t+1}²)``), all gaps at once, in chunks of rows.

    Parameters
    ----------
    defl : Deflation
        From :func:`deflate`.
    gaps : numpy.ndarray, optional
        Which gaps to solve (default all ``0 … P−2``); lets a reference solve a sample.
    chunk_elements : int, optional
        Rows × poles per chunk (default ``CHUNK_ELEMENTS``).
    stats : dict, optional
        Receives ``"iterations"`` (maximum over chunks) and ``"unconverged"``.

    Returns
    -------
    origin : numpy.ndarray of int
        Index of the nearer pole for each root.
    delta : numpy.ndarray
        Offset of the root from that pole (in the scaled units of ``defl.a``).
    """
    a = defl.a
    P = a.size
    if gaps is None:
        gaps = np.arange(P - 1)
    gaps = np.asarray(gaps, dtype=np.intp)
    origin = np.empty(gaps.size, dtype=np.intp)
    delta = np.empty(gaps.size, dtype=a.dtype)
    w = None if np.all(defl.weight == 1) else defl.weight
    rows = _rows_per_chunk(P, chunk_elements)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for start in range(0, gaps.size, rows):
            sl = slice(start, start + rows)
            origin[sl], delta[sl] = _solve_chunk(a, w, gaps[sl], stats)
    return origin, delta


def _root_values(defl: Deflation, origin: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``μ = a_o² + δ`` in the scaled units (``μ_true = μ · 4**e``)."""
    ao = defl.a[origin]
    return ao * ao + delta


def _deflated_values(defl: Deflation) -> tuple[np.ndarray, np.ndarray]:
    """Pole indices repeated ``m − 1`` times: the deflated eigenvalues ``a_i²``."""
    reps = (defl.weight - 1).astype(np.intp)
    idx = np.repeat(np.arange(defl.a.size), reps)
    return idx, defl.a[idx]


def secular_semi_axes(
    defl: Deflation, chunk_elements: int | None = None, stats: dict | None = None
) -> np.ndarray:
    """Return the ``N − 1`` semi-axes ``√(N μ)``, descending, from a :class:`Deflation`.

    Memory is O(N) plus one chunk of ``chunk_elements`` numbers.
    """
    origin, delta = secular_roots(defl, chunk_elements=chunk_elements, stats=stats)
    mu = _root_values(defl, origin, delta)
    _, a_defl = _deflated_values(defl)
    n = defl.n
    s = np.concatenate([np.sqrt(n * mu), np.sqrt(float(n)) * a_defl])
    s = np.ldexp(s, defl.exponent)
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
    r"""Löwner weights ``ẑ`` for which the computed roots are exact eigenvalues.

    For the (block-combined) problem ``D − ẑ ẑᵀ`` with poles ``c_i = a_i²`` and roots
    ``r_t ∈ (c_t, c_{t+1})`` (plus the exact root 0 when no gain is zero):

    .. math::

        ẑ_i^2 = c_i \prod_{j<i} \frac{c_i - r_j}{c_i - c_j}
                 \prod_{j>i} \frac{r_{j-1} - c_i}{c_j - c_i},

    every factor in ``[0, 1]`` (interlacing), so the product neither overflows nor
    underflows. ``ẑ = 0`` for a zero pole.
    """
    a = defl.a
    P = a.size
    z = np.zeros(P, dtype=a.dtype)
    start_pole = 1 if defl.has_zero else 0
    if P == 1:
        z[0] = 0.0 if defl.has_zero else a[0]
        return z
    rows = _rows_per_chunk(P, chunk_elements)
    cols = np.arange(P)
    ao = a[origin]
    for start in range(start_pole, P, rows):
        i = np.arange(start, min(P, start + rows))
        ai = a[i][:, None]
        # X[i, t] = c_i − r_t for t = 0 … P−2;  Y[i, j] = c_j − c_i
        X = (ai - ao[None, :]) * (ai + ao[None, :]) - delta[None, :]
        Y = (a[None, :] - ai) * (a[None, :] + ai)
        lower = cols[None, :] < i[:, None]
        upper = cols[None, :] > i[:, None]
        Xl = np.concatenate([X, np.ones((i.size, 1), a.dtype)], axis=1)  # X[:, j]
        Xr = np.concatenate([np.ones((i.size, 1), a.dtype), -X], axis=1)  # −X[:, j−1]
        num = np.where(lower, Xl, np.where(upper, Xr, 1.0))
        den = np.where(lower, -Y, np.where(upper, Y, 1.0))
        prod = np.prod(num / den, axis=1)
        z[i] = np.sqrt(a[i] * a[i] * prod)
    return z


def secular_axes(
    defl: Deflation, chunk_elements: int | None = None, stats: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(semi_axes, axes)`` from a :class:`Deflation`: descending, axes as rows.

    Collapsed axes (``k ≥ 2`` zero gains) span the complement of ``Σ_{g_j=0} e_j`` inside
    ``span{e_j : g_j = 0}``; repeated ``|g|`` blocks get a Householder basis of the
    complement of ``S·1`` inside the block.
    """
    n = defl.n
    a = defl.a
    dtype = a.dtype
    origin, delta = secular_roots(defl, chunk_elements=chunk_elements, stats=stats)
    mu = _root_values(defl, origin, delta)
    defl_idx, a_defl = _deflated_values(defl)
    values = np.concatenate([np.sqrt(n * mu), np.sqrt(float(n)) * a_defl])
    order = np.argsort(-values, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    semi = np.ldexp(values[order], defl.exponent)
    axes = np.zeros((n - 1, n), dtype=dtype)

    # Secular (non-deflated) directions.
    n_roots = origin.size
    if n_roots:
        z = _recomputed_weights(defl, origin, delta, chunk_elements)
        col_scale = defl.sign / np.sqrt(defl.weight[defl.block])
        rows = _rows_per_chunk(a.size, chunk_elements)
        with np.errstate(divide="ignore", invalid="ignore"):
            for start in range(0, n_roots, rows):
                sl = slice(start, min(n_roots, start + rows))
                ao = a[origin[sl]][:, None]
                X = (a[None, :] - ao) * (a[None, :] + ao) - delta[sl][:, None]  # c_i − μ_t
                V = z[None, :] / X
                V[:, z == 0] = 0.0
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
