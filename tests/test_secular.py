"""Accuracy of the secular solver against independent high-precision references (mpmath)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lngeo import principal_axes, semi_axes
from lngeo import secular as sec

DPS = 40


def _mp_eigen(g: np.ndarray):
    """Eigenpairs of M = G² − g gᵀ/N in mpmath (40 digits): an independent reference."""
    n = g.size
    with mpmath.workdps(DPS):
        gm = [mpmath.mpf(float(v)) for v in g]  # the exact binary values
        M = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                M[i, j] = (gm[i] * gm[i] if i == j else 0) - gm[i] * gm[j] / n
        E, Q = mpmath.eigsy(M)
        order = sorted(range(n), key=lambda i: -E[i])
        mu = [E[i] for i in order]
        vecs = [[Q[r, i] for r in range(n)] for i in order]
        return mu, vecs


def _mp_semi_axes(g: np.ndarray) -> np.ndarray:
    mu, _ = _mp_eigen(g)
    n = g.size
    keep = n - 1
    with mpmath.workdps(DPS):
        out = [mpmath.sqrt(n * max(m, 0)) for m in mu[:keep]]
    # the (k−1) collapsed axes of k zero gains are exactly 0 in exact arithmetic
    k = int(np.count_nonzero(g == 0))
    vals = np.array([float(v) for v in out])
    if k >= 2:
        vals[keep - (k - 1):] = 0.0
    return vals


@st.composite
def small_gains(draw):
    n = draw(st.integers(2, 9))
    kind = draw(st.sampled_from(["random", "tiny", "clustered", "repeated", "zeros"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    g = rng.normal(1.0, 0.5, n)
    if kind == "tiny":
        g[: max(1, n // 3)] = rng.uniform(1e-4, 1e-3, max(1, n // 3))
    elif kind == "clustered":
        g = 1.0 + np.arange(n) * 2.0**-40 * rng.integers(1, 5)
    elif kind == "repeated":
        g[1:] = g[: n - 1] if n > 2 else g[0]
        g[rng.random(n) < 0.5] *= -1
    elif kind == "zeros":
        g[rng.random(n) < 0.4] = 0.0
    return g


@settings(max_examples=40, deadline=None)
@given(small_gains())
def test_secular_semi_axes_match_mpmath_to_full_precision(g):
    expected = _mp_semi_axes(g)
    got = semi_axes(g)
    positive = expected > 0
    rel = np.abs(got[positive] - expected[positive]) / expected[positive]
    assert np.max(rel, initial=0.0) <= 1e-14, rel
    np.testing.assert_array_equal(got[~positive], 0.0)


@settings(max_examples=25, deadline=None)
@given(small_gains())
def test_secular_axes_match_mpmath_eigenvectors(g):
    n = g.size
    mu, vecs = _mp_eigen(g)
    s, u = principal_axes(g)
    mu = np.array([float(m) for m in mu[: n - 1]])
    V = np.array([[float(x) for x in v] for v in vecs[: n - 1]])
    scale = mu.max() if mu.max() > 0 else 1.0
    for k in range(n - 1):
        if mu[k] <= 1e-30 * scale:
            continue
        others = np.delete(np.append(mu, 0.0), k)
        gap = np.min(np.abs(others - mu[k])) / scale
        if gap < 1e-12:
            continue  # repeated: any basis is right (checked by projectors elsewhere)
        cos = abs(float(u[k] @ V[k]))
        assert 1 - cos <= 1e-14 + 1e-16 / gap**2, (k, gap)


def test_secular_roots_solve_the_secular_equation_in_mpmath():
    """Bisection in 40-digit arithmetic on φ(μ) = Σ 1/(g_n² − μ): another reference."""
    rng = np.random.default_rng(2024)
    g = np.concatenate([rng.uniform(1e-4, 1e-3, 3), rng.normal(1, 0.3, 9), [1.0, 1.0 + 2.0**-45]])
    defl = sec.deflate(g)
    origin, delta = sec.secular_roots(defl)
    exps = sec.root_exponents(defl, np.arange(origin.size))
    with mpmath.workdps(DPS):
        d = sorted({mpmath.mpf(float(v)) ** 2 for v in np.abs(g)})
        phi = lambda m: mpmath.fsum(1 / (mpmath.mpf(float(v)) ** 2 - m) for v in g)  # noqa: E731
        for t in range(len(d) - 1):
            lo, hi = d[t], d[t + 1]
            for _ in range(170):
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if phi(mid) > 0 else (mid, hi)
            # compare the offset from the nearer pole: the quantity the solver keeps exact
            o = int(origin[t])
            ref = (lo + hi) / 2 - d[o]
            got = mpmath.ldexp(mpmath.mpf(float(delta[t])), 2 * int(exps[t]))
            assert abs(got - ref) <= 4e-16 * abs(ref), t


def test_clustered_gains_keep_axes_orthogonal():
    rng = np.random.default_rng(1)
    n = 300
    g = 1.0 + np.sort(rng.integers(0, 60, n)) * 2.0**-44  # many near-equal and equal gains
    g[::7] *= -1
    s, u = principal_axes(g)
    assert np.max(np.abs(u @ u.T - np.eye(n - 1))) <= 1e-14 * 10
    assert np.max(np.abs(u @ (1.0 / g))) <= 1e-13


def test_random_gains_keep_axes_orthogonal_and_residual_small():
    rng = np.random.default_rng(4)
    n = 800
    g = rng.normal(1.0, 0.3, n)
    s, u = principal_axes(g)
    M = np.diag(g * g) - np.outer(g, g) / n
    assert np.max(np.abs(u @ u.T - np.eye(n - 1))) <= 1e-13
    residual = np.abs(u @ M - (s * s / n)[:, None] * u).max()
    assert residual <= 1e-14 * np.abs(M).max() * 10


def test_secular_agrees_with_eigvalsh_at_moderate_width():
    rng = np.random.default_rng(5)
    n = 600
    g = rng.normal(1.0, 0.3, n)
    M = np.diag(g * g) - np.outer(g, g) / n
    mu = np.linalg.eigvalsh(M)[::-1][: n - 1]
    expected = np.sqrt(n * mu)
    got = semi_axes(g)
    assert np.max(np.abs(got - expected) / expected) <= 1e-11  # eigvalsh's own error bound


def test_iterations_stay_few():
    rng = np.random.default_rng(6)
    g = np.concatenate([rng.normal(1.0, 0.3, 1500), rng.uniform(1e-4, 1e-3, 20)])
    stats: dict = {}
    sec.secular_semi_axes(sec.deflate(g), stats=stats)
    assert stats["unconverged"] == 0
    assert stats["iterations"] <= 14


def test_chunking_does_not_change_the_result():
    rng = np.random.default_rng(8)
    g = rng.normal(1.0, 0.3, 257)
    defl = sec.deflate(g)
    whole = sec.secular_semi_axes(defl, chunk_elements=1 << 30)
    rows = sec.secular_semi_axes(defl, chunk_elements=1)
    np.testing.assert_allclose(rows, whole, rtol=4 * np.finfo(float).eps, atol=0)
    s1, u1 = sec.secular_axes(defl, chunk_elements=1 << 30)
    s2, u2 = sec.secular_axes(defl, chunk_elements=1)
    np.testing.assert_allclose(u1, u2, rtol=0, atol=1e-14)


def test_long_double_solver_agrees_with_double():
    rng = np.random.default_rng(9)
    g = rng.normal(1.0, 0.3, 200)
    s64 = sec.secular_semi_axes(sec.deflate(g))
    s80 = sec.secular_semi_axes(sec.deflate(g, dtype=np.longdouble))
    assert s80.dtype == np.longdouble
    np.testing.assert_allclose(s64, s80.astype(float), rtol=2e-16 * 4, atol=0)


@pytest.mark.parametrize("n", [2, 3, 17])
def test_deflation_groups_equal_magnitudes(n):
    g = np.resize([2.0, -2.0, 0.0, 1.0], n)
    defl = sec.deflate(g)
    np.testing.assert_array_equal(np.ldexp(defl.a[defl.block], defl.exponent), np.abs(g))
    assert defl.weight.sum() == n
    np.testing.assert_array_equal(defl.sign, np.where(g < 0, -1.0, 1.0))
