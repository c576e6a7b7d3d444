"""The identities chapter 5 proves, each against an independent route.

``lngeo.section`` computes each identity by its own formula; here the other side comes from
numpy's dense linear algebra (``pinv``, ``det``, ``eigvalsh``, ``qr``) or from mpmath, never
from the function under test.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lngeo import m_matrix, semi_axes
from lngeo import section

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def distinct_gains(draw, min_n=2, max_n=14, spread=4.0):
    """Gains whose |g_n| are distinct and nonzero, separated by at least 2 % (signs random)."""
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    steps = rng.uniform(0.02, 0.5, n)
    a = np.exp(np.cumsum(steps) - steps.sum() / 2)  # log-spaced, consecutive ratios >= e^0.02
    a = a * spread ** rng.uniform(-1, 1)
    g = rng.permutation(a) * rng.choice([-1.0, 1.0], n)
    return g


@st.composite
def repeated_gains(draw):
    """Gains built from a few distinct magnitudes, each repeated m >= 1 times (some zero)."""
    values = draw(st.lists(st.sampled_from([0.0, 0.3, 0.7, 1.0, 1.6, 2.5]), min_size=1,
                           max_size=4, unique=True))
    counts = draw(st.lists(st.integers(1, 4), min_size=len(values), max_size=len(values)))
    g = np.repeat(values, counts).astype(float)
    if g.size < 2 or not np.any(g):
        g = np.append(g, 1.9)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.permutation(g) * rng.choice([-1.0, 1.0], g.size)


def _eig_m(g):
    """Eigenvalues of M, descending, from numpy's dense symmetric solver."""
    return np.linalg.eigvalsh(m_matrix(g))[::-1]


# --------------------------------------------------------------------------- pinv relation
@SETTINGS
@given(distinct_gains(spread=2.0))
def test_the_papers_matrix_is_the_pseudo_inverse_of_m(g):
    p = section.paper_matrix(g)
    pinv = np.linalg.pinv(m_matrix(g), rcond=1e-10, hermitian=True)
    scale = np.abs(pinv).max()
    assert np.abs(p - pinv).max() <= 1e-10 * scale


@SETTINGS
@given(distinct_gains(spread=2.0))
def test_the_papers_matrix_satisfies_the_four_penrose_conditions(g):
    p, m = section.paper_matrix(g), m_matrix(g)
    tol = 1e-11 * np.abs(p).max() * np.abs(m).max()
    assert np.abs(m @ p @ m - m).max() <= tol * np.abs(m).max()
    assert np.abs(p @ m @ p - p).max() <= tol * np.abs(p).max()
    assert np.abs(m @ p - (m @ p).T).max() <= tol and np.abs(p @ m - (p @ m).T).max() <= tol


@SETTINGS
@given(distinct_gains(spread=2.0))
def test_the_papers_route_gives_the_same_semi_axes(g):
    lam = np.linalg.eigvalsh(section.paper_matrix(g))[1:]  # drop the null direction α
    s_paper = np.sort(np.sqrt(g.size / lam))[::-1]
    np.testing.assert_allclose(s_paper, semi_axes(g), rtol=1e-10)


def test_the_papers_matrix_refuses_a_zero_gain():
    with pytest.raises(ValueError, match="nonzero"):
        section.paper_matrix([1.0, 0.0, 2.0])


# --------------------------------------------------------------------------- determinant lemma
@SETTINGS
@given(distinct_gains(max_n=10), st.lists(st.floats(-1.0, 20.0), min_size=1, max_size=5))
def test_the_determinant_lemma_forms_equal_the_dense_determinant(g, mus):
    mus = np.array(mus)
    mus = mus[~np.isin(mus, g * g)]
    if mus.size == 0:
        return
    dense = np.array([np.linalg.det(m_matrix(g) - mu * np.eye(g.size)) for mu in mus])
    scale = np.prod(g[None, :] ** 2 + np.abs(mus)[:, None], axis=1)  # bounds every term
    product = section.characteristic_polynomial(g, mus)
    assert np.all(np.abs(product - dense) <= 1e-12 * g.size * scale)
    gaps = np.min(np.abs(g[None, :] ** 2 - mus[:, None]), axis=1)
    ok = gaps > 1e-3 * np.max(g * g)  # the lemma form divides by g_n² − μ
    lemma = section.characteristic_polynomial(g, mus[ok], form="lemma")
    assert np.all(np.abs(lemma - dense[ok]) <= 1e-9 * g.size * scale[ok])


def test_the_characteristic_polynomial_matches_mpmath_in_forty_digits():
    g = np.array([0.3, -0.7, 1.0, 1.0, 1.6, 2.5])  # a repeated |g| and a sign
    n = g.size
    with mpmath.workdps(40):
        gm = [mpmath.mpf(float(v)) for v in g]
        for mu in (0.0, 0.09, 0.5, 1.0, 2.0, 7.0):
            m = mpmath.matrix(n, n)
            for i in range(n):
                for j in range(n):
                    m[i, j] = (gm[i] ** 2 if i == j else 0) - gm[i] * gm[j] / n - (mu if i == j else 0)
            exact = float(mpmath.det(m))
            got = float(section.characteristic_polynomial(g, mu))
            assert abs(got - exact) <= 1e-13 * max(1.0, abs(exact)), mu


@SETTINGS
@given(distinct_gains())
def test_the_nonzero_eigenvalues_of_m_are_roots_of_the_secular_function(g):
    mu = _eig_m(g)[:-1]  # numpy's eigenvalues, the null one dropped
    phi = section.secular_function(g, mu)
    size = np.sum(1.0 / np.abs(g[None, :] ** 2 - mu[:, None]) ** 2, axis=1)  # |φ'|
    # a root found to relative accuracy δμ leaves |φ| ≲ |φ'| δμ
    assert np.all(np.abs(phi) <= 1e-11 * size * np.max(g * g))


def test_the_secular_function_refuses_a_pole_and_the_product_form_does_not():
    with pytest.raises(ValueError, match="pole"):
        section.secular_function([1.0, 2.0], 4.0)
    with pytest.raises(ValueError, match="product"):
        section.characteristic_polynomial([1.0, 2.0], 1.0, form="lemma")
    assert section.characteristic_polynomial([1.0, 2.0], 1.0) == pytest.approx(-1.5)


# --------------------------------------------------------------------------- N = 3 by hand
@SETTINGS
@given(st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=3, max_size=3))
def test_the_three_neuron_formula_solves_the_quadratic(g):
    g = np.array(g)
    if not np.any(g):
        return
    expected = np.sqrt(3 * np.clip(_eig_m(g)[:2], 0, None))
    np.testing.assert_allclose(section.three_neuron_semi_axes(g), expected,
                               atol=1e-7 * np.abs(g).max())


def test_the_worked_example_and_the_counterexample():
    np.testing.assert_allclose(section.three_neuron_semi_axes([1.6, 1.0, 0.6]),
                               [np.sqrt(5.88), 1.4], rtol=1e-14)
    s = section.three_neuron_semi_axes([0.01, 1.0, 1.0])
    assert s[0] / s[1] < 1.74 and s[0] == pytest.approx(np.sqrt(3), rel=1e-4)


# --------------------------------------------------------------------------- central sections
def _section_by_inverse(radii, normal):
    """Semi-axes of E ∩ normal⊥ by the inverse route: 1/√eig(Vᵀ D⁻² V), V a basis of normal⊥."""
    n = radii.size
    q, _ = np.linalg.qr(np.column_stack([normal, np.eye(n)[:, : n - 1]]))
    v = q[:, 1:n]
    beta = np.linalg.eigvalsh(v.T @ np.diag(1.0 / radii**2) @ v)
    return np.sort(1.0 / np.sqrt(beta))[::-1]


@st.composite
def ellipsoids(draw):
    n = draw(st.integers(2, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.uniform(0.2, 3.0, n), rng.normal(size=n)


@SETTINGS
@given(ellipsoids())
def test_a_central_section_matches_the_inverse_route(case):
    radii, normal = case
    s, u = section.central_section(radii, normal)
    np.testing.assert_allclose(s, _section_by_inverse(radii, normal), rtol=1e-10)
    assert np.abs(u @ normal).max() <= 1e-12 * np.linalg.norm(normal)
    # each (s_k, u_k) is a boundary point: (s_k u_k)ᵀ D⁻² (s_k u_k) = 1
    np.testing.assert_allclose(np.sum((s[:, None] * u / radii) ** 2, axis=1), 1.0, rtol=1e-10)


@SETTINGS
@given(ellipsoids())
def test_any_central_section_interlaces_the_ellipsoid(case):
    radii, normal = case
    sec = np.sort(_section_by_inverse(radii, normal))  # the inverse route: independent
    a = np.sort(radii)
    tol = 1e-12 * a[-1]
    assert np.all(a[:-1] <= sec + tol) and np.all(sec <= a[1:] + tol)
    mine = np.sort(section.central_section(radii, normal)[0])
    assert np.all(a[:-1] <= mine + tol) and np.all(mine <= a[1:] + tol)


@SETTINGS
@given(distinct_gains())
def test_the_output_set_is_the_central_section_of_the_gain_ellipsoid(g):
    s, _ = section.central_section(np.sqrt(g.size) * np.abs(g), 1.0 / g)
    np.testing.assert_allclose(s, semi_axes(g), rtol=1e-10)


@SETTINGS
@given(distinct_gains())
def test_interlacing_is_strict_for_distinct_gains(g):
    s = np.sort(np.sqrt(g.size * np.clip(_eig_m(g)[:-1], 0, None)))  # numpy's route
    a = np.sqrt(g.size) * np.sort(np.abs(g))
    # consecutive |g| differ by >= 2 %; the roots stay well inside their gaps
    margin = 1e-6 * a[-1]
    assert np.all(a[:-1] + margin < s) and np.all(s < a[1:] - margin)


@SETTINGS
@given(repeated_gains())
def test_a_gain_repeated_m_times_is_a_semi_axis_of_multiplicity_m_minus_one(g):
    n = g.size
    mu = _eig_m(g)[:-1]  # numpy's route: the N − 1 largest eigenvalues, s_k² = N μ_k
    values, counts = np.unique(np.abs(g), return_counts=True)
    tol = 1e-12 * values.max() ** 2  # compare squares: √ of round-off near 0 is large
    for v, m in zip(values, counts):
        hits = int(np.count_nonzero(np.abs(mu - v * v) <= tol))
        assert hits == m - 1, (v, m, mu)
    # the lngeo route agrees
    np.testing.assert_allclose(semi_axes(g) ** 2 / n, np.clip(mu, 0, None), atol=tol)


# --------------------------------------------------------------------------- ratio and volume
@SETTINGS
@given(distinct_gains(min_n=3))
def test_the_axis_ratio_lies_within_its_interlacing_bounds(g):
    s = np.sqrt(g.size * np.clip(_eig_m(g)[:-1], 0, None))
    lo, hi = section.axis_ratio_bounds(g)
    ratio = s.max() / s.min()
    assert lo * (1 - 1e-12) <= ratio <= hi * (1 + 1e-12)


def test_a_gain_ratio_of_one_hundred_gives_an_axis_ratio_below_root_three():
    g = [0.01, 1.0, 1.0]
    s = np.sqrt(3 * np.clip(_eig_m(np.array(g))[:-1], 0, None))
    assert section.axis_ratio_bounds(g) == (1.0, 100.0)
    assert 1.0 <= s.max() / s.min() < np.sqrt(3)


def _product_by_cauchy_binet(g):
    """Π s_k = √det(N QᵀG²Q) with Q an orthonormal basis of 1⊥ (dense, independent)."""
    n = g.size
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), np.eye(n)[:, : n - 1]]))
    q = q[:, 1:n]
    return np.sqrt(max(np.linalg.det(n * q.T @ np.diag(g * g) @ q), 0.0))


@SETTINGS
@given(distinct_gains(max_n=12))
def test_the_product_of_the_semi_axes_is_the_volume_identity(g):
    got = section.semi_axes_product(g)
    assert got == pytest.approx(_product_by_cauchy_binet(g), rel=1e-10)
    assert got == pytest.approx(np.prod(semi_axes(g)), rel=1e-12)


@pytest.mark.parametrize("g, expected", [
    ([1.6, 1.0, 0.0], np.sqrt(3) * 1.6),        # one zero gain: N^{N/2-1} Π_{m≠j}|g_m|
    ([1.6, 0.0, 0.0], 0.0),                       # two zero gains: a collapsed axis
])
def test_zero_gains_in_the_volume_identity(g, expected):
    assert section.semi_axes_product(g) == pytest.approx(expected, rel=1e-14, abs=0)
    assert section.semi_axes_product(g) == pytest.approx(_product_by_cauchy_binet(np.array(g)),
                                                         rel=1e-12, abs=1e-15)


def test_the_volume_identity_does_not_overflow_at_real_widths():
    g = np.random.default_rng(3).normal(1.0, 0.3, 4096)
    log_product = section.semi_axes_product(g, log=True)
    assert log_product == pytest.approx(np.sum(np.log(semi_axes(g))), rel=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: section.central_section([1.0, -1.0], [1.0, 0.0]), "radii must be >= 0"),
    (lambda: section.central_section([1.0, 1.0], [0.0, 0.0]), "zero vector"),
    (lambda: section.central_section([1.0, 1.0], [1.0, 0.0, 0.0]), r"shape \(N,\) = \(2,\)"),
    (lambda: section.three_neuron_semi_axes([1.0, 2.0]), r"\(3,\)"),
    (lambda: section.axis_ratio_bounds([0.0, 0.0, 0.0]), "every gain is zero"),
    (lambda: section.characteristic_polynomial([1.0, 2.0], 0.5, form="dense"), "form"),
    (lambda: section.secular_function([1.0, np.nan], 0.5), "finite"),
    (lambda: section.semi_axes_product([1.0]), "N >= 2"),
])
def test_bad_input_is_refused_with_a_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()
