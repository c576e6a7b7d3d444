"""The secular solver over the whole float64 range of gains, against mpmath (issue 12).

Reference: plain bisection of φ(μ) = Σ_n 1/(g_n² − μ) in mpmath, whose exponent range is
unbounded, so gains from the smallest subnormal to ``1.7e308/√N`` are exact there.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest

from lngeo import principal_axes, semi_axes
from lngeo import secular as sec

DPS = 30
TINY = np.finfo(float).smallest_subnormal  # 5e-324
HUGE = np.finfo(float).max


def _mp_roots(g: np.ndarray) -> list:
    """The N − 1 nonzero eigenvalues of M = G² − g gᵀ/N (distinct nonzero |g|), ascending."""
    with mpmath.workdps(DPS):
        gm = [mpmath.mpf(float(v)) for v in g]
        d = sorted(v * v for v in gm)

        def phi(m):
            return mpmath.fsum(1 / (v - m) for v in d)

        roots = []
        for t in range(len(d) - 1):
            lo, hi = d[t], d[t + 1]
            for _ in range(140):
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if phi(mid) > 0 else (mid, hi)
            roots.append((lo + hi) / 2)
        return roots


def _mp_semi_axes(g: np.ndarray) -> np.ndarray:
    n = g.size
    with mpmath.workdps(DPS):
        return np.array([float(mpmath.sqrt(n * m)) for m in _mp_roots(g)[::-1]])


def _close(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Relative error ≤ 1e-14, or one subnormal ulp for results below the normal range."""
    return np.abs(got - ref) <= 1e-14 * np.abs(ref) + 2 * TINY


WIDE = [
    np.array([1e-200, 2e-200, 1.0, 3.0]),  # issue 12: the third semi-axis came back 0
    np.array([1e-160, 2e-160, 1.0, 3.0]),  # issue 12: 16 % low near the old threshold
    np.array([1e-300, 1e-100, 1.0, 1e100, 1e300]),
    np.array([TINY, 3 * TINY, 1e-310, 2.2250738585072014e-308, 1.0]),
    np.array([1.0, 2.0, HUGE / 4, HUGE / 3]),
    np.array([TINY, 1.0, HUGE / 3]),
]


@pytest.mark.parametrize("g", WIDE, ids=lambda g: f"{np.min(g):.0e}..{np.max(g):.0e}")
def test_semi_axes_match_mpmath_at_the_ends_of_the_float64_range(g):
    ref = _mp_semi_axes(g)
    got = semi_axes(g)
    assert np.all(np.isfinite(got)) and np.all(got > 0)
    assert np.all(_close(got, ref)), (got, ref)
    s, _ = principal_axes(g)
    np.testing.assert_array_equal(s, got)


def test_semi_axes_match_mpmath_for_random_gains_spanning_1e_minus_323_to_1e_307():
    rng = np.random.default_rng(12)
    matched = []
    for trial in range(6):
        n = int(rng.integers(3, 9))
        g = 10.0 ** rng.uniform(-323, 307.5, n) * rng.choice([-1.0, 1.0], n)
        g[:2] = 10.0 ** rng.uniform([-323, 300], [-300, 307.5])  # both ends in every trial
        g = g[g != 0]
        if np.unique(np.abs(g)).size < g.size or g.size < 2:
            continue
        ref = _mp_semi_axes(g)
        got = semi_axes(g)
        assert np.all(_close(got, ref)), (trial, g, got, ref)
        matched.append(np.abs(g))
    assert len(matched) >= 5
    span = np.concatenate(matched)
    assert span.min() < 1e-300 and span.max() > 1e300  # the range really was covered


def test_axes_over_the_whole_range_are_orthonormal_in_the_hyperplane_and_match_mpmath():
    g = np.array([-TINY * 7, 1e-250, 3e-250, -1e-100, 1.0, 2.0, 1e200, -HUGE / 8])
    n = g.size
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, u = principal_axes(g)
    assert np.all(np.isfinite(u))
    np.testing.assert_allclose(u @ u.T, np.eye(n - 1), rtol=0, atol=1e-15 * n)
    alpha = np.min(np.abs(g)) / g  # α = 1/g, scaled so that every entry is <= 1
    assert np.max(np.abs(u @ alpha)) <= 1e-15 * n
    # direction of each axis: u_k ∝ (G² − μ_k)^{-1} g, evaluated in mpmath
    roots = _mp_roots(g)[::-1]
    with mpmath.workdps(DPS):
        for k, m in enumerate(roots):
            v = [mpmath.mpf(float(x)) / (mpmath.mpf(float(x)) ** 2 - m) for x in g]
            nv = mpmath.sqrt(mpmath.fsum(x * x for x in v))
            ref = np.array([float(x / nv) for x in v])
            cos = abs(float(u[k] @ ref))
            assert 1 - cos <= 1e-14, (k, cos)


def test_thousands_of_wide_range_roots_all_converge_and_say_so():
    rng = np.random.default_rng(20000)
    g = 10.0 ** rng.uniform(-300, 300, 3000)
    stats: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sec.secular_semi_axes(sec.deflate(g), stats=stats)
    assert stats["unconverged"] == 0 and stats["iterations"] <= 14
    assert np.all(s > 0) and np.all(np.isfinite(s))
    lo, hi = np.sqrt(g.size) * np.sort(g)[:-1], np.sqrt(g.size) * np.sort(g)[1:]
    assert np.all((np.sort(s) >= lo * (1 - 1e-15)) & (np.sort(s) <= hi * (1 + 1e-15)))


def test_gains_whose_semi_axes_would_overflow_are_refused_naming_gain_and_range():
    g = np.array([1.0, HUGE / 1.5, 2.0, 3.0])  # √4 · HUGE/1.5 overflows
    for f in (semi_axes, principal_axes):
        with pytest.raises(ValueError, match=r"gain\[1\].*1\.797e308/√N"):
            f(g)
