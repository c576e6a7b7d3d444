"""Properties of the output set: hyperplane, (N−1)-ellipsoid, principal axes, Jacobian.

Every expected value is computed here from the mathematics (MATH.md), never copied from
the code under test: the methods are checked against each other and against identities.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lngeo
from lngeo import (
    ellipsoid_contains,
    hyperplane_normal,
    interlacing_bounds,
    jacobian,
    layer_norm,
    normal_space,
    principal_axes,
    radial_fraction,
    semi_axes,
    slice_coordinates,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPECIAL = [0.0, 1e-4, -1e-4, 1.0, -1.0, 2.0, 0.5]


@st.composite
def gains(draw, min_n=2, max_n=40, allow_zero=True):
    """Gain vectors with repeated, tiny (1e-4), zero and negative entries."""
    specials = [v for v in SPECIAL if allow_zero or v != 0.0]
    magnitude = st.floats(1e-4, 5.0, allow_nan=False, allow_infinity=False)
    value = st.one_of(
        st.sampled_from(specials),
        st.builds(lambda m, s: m * s, magnitude, st.sampled_from([1.0, -1.0])),
    )
    n = draw(st.integers(min_n, max_n))
    base = draw(st.lists(value, min_size=1, max_size=n))
    # repeat some drawn values to reach length n (repeated |g| are common in practice)
    idx = draw(st.lists(st.integers(0, len(base) - 1), min_size=n - len(base), max_size=n - len(base)))
    g = np.array(base + [base[i] for i in idx], dtype=np.float64)
    perm = draw(st.permutations(range(n)))
    return g[list(perm)]


def _clusters(s: np.ndarray, rel: float = 1e-6) -> list[np.ndarray]:
    """Group (descending) semi-axes whose squares differ by <= rel * max square."""
    mu = s * s
    scale = max(mu.max(), np.finfo(float).tiny)
    groups, current = [], [0]
    for k in range(1, s.size):
        if mu[k - 1] - mu[k] <= rel * scale:
            current.append(k)
        else:
            groups.append(np.array(current))
            current = [k]
    groups.append(np.array(current))
    return groups


def _clusters_with_gaps(s: np.ndarray, rel: float = 1e-6) -> list[tuple[np.ndarray, float]]:
    """Clusters of semi-axes, each with its relative gap (in s²) to the rest and to 0 (the null α)."""
    mu = s * s
    scale = max(mu.max(), np.finfo(float).tiny)
    out = []
    for group in _clusters(s, rel):
        others = np.delete(mu, group)
        if mu[group].max() > 0:
            others = np.append(others, 0.0)
        dist = np.min(np.abs(others[:, None] - mu[group][None, :]), initial=scale)
        out.append((group, max(dist / scale, 1e-300)))
    return out


def _projector(rows: np.ndarray) -> np.ndarray:
    return rows.T @ rows


def _mu_matrix(g: np.ndarray) -> np.ndarray:
    return np.diag(g * g) - np.outer(g, g) / g.size


def _condition(g: np.ndarray) -> float:
    a = np.abs(g[g != 0])
    return float((a.max() / a.min()) ** 2) if a.size else 1.0


# --------------------------------------------------------------------------- methods agree
@SETTINGS
@given(gains())
def test_three_methods_agree(g):
    s_ref, u_ref = principal_axes(g, method="secular")
    n = g.size
    scale = n * float(np.max(g * g)) or 1.0
    methods = ["eigh", "svd"] + (["paper"] if np.all(g != 0) else [])
    for method in methods:
        s, u = principal_axes(g, method=method)
        assert s.shape == (n - 1,) and u.shape == (n - 1, n)
        # eigh/svd: backward stable, error ~ eps * |M|; paper: ~ eps * cond(G)^2 relative
        tol = 1e-12 if method != "paper" else 1e-13 * _condition(g)
        assert np.max(np.abs(s * s - s_ref * s_ref)) <= tol * scale, method
        if method == "paper":
            # paper's eigenvalue errors are relative to the *inverse*: compare s^2 relatively
            continue
        for group, relgap in _clusters_with_gaps(s_ref):
            # Davis–Kahan: a backward-stable solver's invariant subspace is off by ~eps/gap
            diff = _projector(u[group]) - _projector(u_ref[group])
            assert np.max(np.abs(diff)) <= 1e-13 * max(1.0, 1.0 / relgap), (method, group)


@SETTINGS
@given(gains(allow_zero=False, max_n=25))
def test_paper_route_spans_the_same_axes_for_moderate_gains(g):
    g = np.where(np.abs(g) < 0.1, np.copysign(0.1, g), g)  # keep cond(G) moderate
    s_ref, u_ref = principal_axes(g, method="secular")
    s, u = principal_axes(g, method="paper")
    assert np.allclose(s, s_ref, rtol=1e-11, atol=0)
    for group in _clusters(s_ref, rel=1e-5):
        assert np.max(np.abs(_projector(u[group]) - _projector(u_ref[group]))) <= 1e-6


@SETTINGS
@given(gains())
def test_semi_axes_equal_principal_axes_lengths(g):
    s_fast = semi_axes(g)
    s_full, _ = principal_axes(g)
    np.testing.assert_allclose(s_fast, s_full, rtol=1e-15, atol=0)
    assert np.all(np.diff(s_fast) <= 0), "semi-axes must be descending"


# --------------------------------------------------------------------------- axes geometry
@SETTINGS
@given(gains(), st.sampled_from(["secular", "eigh", "svd"]))
def test_axes_are_orthonormal_and_inside_the_hyperplane(g, method):
    s, u = principal_axes(g, method=method)
    n = g.size
    assert np.max(np.abs(u @ u.T - np.eye(n - 1))) <= 1e-13 * max(n, 10)
    V = normal_space(g)
    live = s > 0
    # eigh/svd separate u_k from the null vector α only to ~eps/gap (gap = μ_k/μ_max)
    gap = (s[live] / s[0]) ** 2 if s[0] > 0 else np.ones(0)
    tol = 1e-13 * max(n, 10) * (np.ones_like(gap) if method == "secular" else np.maximum(1.0, 1.0 / gap))
    assert np.all(np.max(np.abs(u[live] @ V.T), axis=1, initial=0.0) <= tol)
    zeros = g == 0
    if zeros.sum() >= 2:  # collapsed axes: inside span{e_j : g_j = 0}, orthogonal to their sum
        assert np.count_nonzero(~live) == zeros.sum() - 1
        assert np.all(u[~live][:, ~zeros] == 0)
        assert np.max(np.abs(u[~live] @ zeros.astype(float))) <= 1e-14
    else:
        assert np.all(live)


@SETTINGS
@given(gains(allow_zero=False), st.integers(0, 2**32 - 1))
def test_vertices_are_layer_norm_images_of_inverse_gain_axes(g, seed):
    """LN(G⁻¹u_k; ε=0) = b + s_k u_k."""
    b = np.random.default_rng(seed).normal(size=g.size)
    s, u = principal_axes(g)
    y = layer_norm(u / g, gain=g, bias=b, eps=0.0)
    expected = b + s[:, None] * u
    assert np.max(np.abs(y - expected)) <= 1e-12 * (s[0] + np.abs(b).max())


@SETTINGS
@given(gains())
def test_semi_axes_interlace_the_gains(g):
    s = semi_axes(g)
    lower, upper = interlacing_bounds(g)
    a = np.sort(np.abs(g))  # independent check of the documented order
    asc = np.sort(s)
    tol = 1e-13 * max(s[0], 1e-300)
    assert np.all(np.sqrt(g.size) * a[:-1] <= asc + tol)
    assert np.all(asc <= np.sqrt(g.size) * a[1:] + tol)
    assert np.all(lower <= s + tol) and np.all(s <= upper + tol)


@SETTINGS
@given(gains())
def test_sum_of_squared_semi_axes_is_n_minus_one_times_gain_norm(g):
    s = semi_axes(g)
    n = g.size
    expected = (n - 1) * float(g @ g)
    assert abs(float(s @ s) - expected) <= 1e-13 * max(expected, 1e-300) * 4


@SETTINGS
@given(gains())
def test_zero_gains_collapse_k_minus_one_semi_axes(g):
    s = semi_axes(g)
    k = int(np.count_nonzero(g == 0))
    assert np.count_nonzero(s == 0) == max(k - 1, 0)
    assert np.all(s[: g.size - max(k, 1)] > 0)


@SETTINGS
@given(gains(allow_zero=False, max_n=20))
def test_negative_gains_mirror_the_set(g):
    s, u = principal_axes(g)
    s_abs, u_abs = principal_axes(np.abs(g))
    np.testing.assert_allclose(s, s_abs, rtol=1e-14, atol=0)
    mirror = np.sign(g)
    for group in _clusters(s_abs):
        P = _projector(u[group])
        P_mirrored = _projector(u_abs[group] * mirror)
        assert np.max(np.abs(P - P_mirrored)) <= 1e-10
    n_hat = hyperplane_normal(g)
    np.testing.assert_allclose(n_hat, hyperplane_normal(np.abs(g)) * mirror, atol=1e-15)


# --------------------------------------------------------------------------- outputs inside
@SETTINGS
@given(gains(), st.integers(0, 2**32 - 1), st.sampled_from([1e-5, 1e-2, 1.0]))
def test_layer_norm_outputs_lie_on_the_hyperplane_strictly_inside_the_ellipsoid(g, seed, eps):
    rng = np.random.default_rng(seed)
    n = g.size
    b = rng.normal(size=n)
    x = rng.normal(size=(16, n)) * rng.choice([1e-3, 0.1, 1.0, 30.0], size=(16, 1)) + rng.normal(size=(16, 1))
    y = layer_norm(x, gain=g, bias=b, eps=eps)
    scale = np.sqrt(n) * (np.max(np.abs(g)) + 1)
    V = normal_space(g)
    assert np.max(np.abs((y - b) @ V.T)) <= 1e-13 * scale
    c = slice_coordinates(y, gain=g, bias=b)
    r = radial_fraction(x, eps=eps)
    s = semi_axes(g)
    if np.all(s > 0):
        np.testing.assert_allclose(np.sum(c * c, axis=-1), r * r, rtol=1e-9, atol=1e-12)
    assert np.all(r < 1)
    assert np.all(np.sum(c * c, axis=-1) < 1)
    assert np.all(ellipsoid_contains(y, gain=g, bias=b))


def test_points_off_the_hyperplane_or_outside_are_not_contained():
    g = np.array([1.0, 2.0, 0.5, 1.5])
    b = np.array([0.1, -0.2, 0.3, 0.0])
    y = layer_norm([0.3, -1.2, 2.0, 0.1], gain=g, bias=b, eps=0.0)  # on the surface
    assert ellipsoid_contains(y, gain=g, bias=b)
    assert not ellipsoid_contains(b + 1.01 * (y - b), gain=g, bias=b)
    assert not ellipsoid_contains(y + 1e-3 * hyperplane_normal(g), gain=g, bias=b)


# --------------------------------------------------------------------------- hyperplane
@SETTINGS
@given(gains(allow_zero=False))
def test_hyperplane_normal_is_the_unit_vector_along_inverse_gain(g):
    n_hat = hyperplane_normal(g)
    alpha = 1.0 / g
    np.testing.assert_allclose(n_hat, alpha / np.linalg.norm(alpha), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(normal_space(g), n_hat[None, :], rtol=0, atol=0)


def test_one_zero_gain_gives_the_coordinate_normal():
    g = np.array([1.0, 0.0, -3.0, 2.0])
    np.testing.assert_array_equal(hyperplane_normal(g), [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(normal_space(g), [[0.0, 1.0, 0.0, 0.0]])
    # the limit of α/|α| as the gain tends to zero
    near = hyperplane_normal(np.array([1.0, 1e-12, -3.0, 2.0]))
    assert np.max(np.abs(near - [0.0, 1.0, 0.0, 0.0])) < 1e-11


def test_two_zero_gains_have_a_normal_space_not_a_normal():
    g = np.array([0.0, 1.0, 0.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="normal_space"):
        hyperplane_normal(g)
    V = normal_space(g)
    np.testing.assert_array_equal(V, np.eye(5)[[0, 2]])


def test_n_equals_two_gives_a_segment():
    g = np.array([0.7, -2.0])
    s, u = principal_axes(g)
    assert s.shape == (1,) and u.shape == (1, 2)
    np.testing.assert_allclose(s, [np.hypot(0.7, 2.0)], rtol=1e-15)
    direction = np.array([0.7, 2.0]) / np.hypot(0.7, 2.0)  # (g1, −g2)
    assert abs(abs(float(u[0] @ direction)) - 1) < 1e-15


def test_all_zero_gain_is_a_single_point():
    g = np.zeros(5)
    s, u = principal_axes(g)
    np.testing.assert_array_equal(s, np.zeros(4))
    assert np.max(np.abs(u @ u.T - np.eye(4))) < 1e-15
    assert np.max(np.abs(u.sum(axis=1))) < 1e-15  # a basis of 1⟂
    np.testing.assert_array_equal(semi_axes(g), np.zeros(4))
    np.testing.assert_array_equal(normal_space(g), np.eye(5))


def test_equal_gains_give_a_sphere_of_radius_sqrt_n_times_gain():
    s = semi_axes(np.full(7, 1.5))
    np.testing.assert_allclose(s, np.full(6, np.sqrt(7) * 1.5), rtol=1e-15)


def test_huge_and_tiny_gains_scale_the_semi_axes_exactly():
    g = np.array([0.3, 1.0, 2.5, -0.7, 1.9])
    s = semi_axes(g)
    for factor in (2.0**600, 2.0**-600):
        np.testing.assert_allclose(semi_axes(g * factor), s * factor, rtol=1e-15)


# --------------------------------------------------------------------------- jacobian
def _naive_layer_norm(a, g, b, eps):
    """The textbook formula, written so that it accepts complex inputs (complex step)."""
    mu = a.mean(axis=-1, keepdims=True)
    var = ((a - mu) ** 2).mean(axis=-1, keepdims=True)
    return g * (a - mu) / np.sqrt(var + eps) + b


@SETTINGS
@given(gains(max_n=20), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 1e-5, 0.3]))
def test_jacobian_matches_complex_step_derivative(g, seed, eps):
    rng = np.random.default_rng(seed)
    n = g.size
    x = rng.normal(size=n) * rng.choice([0.01, 1.0, 50.0]) + 3.0
    if n == 2 and eps == 0.0:
        x[0] += 1.0
    b = rng.normal(size=n)
    h = 1e-30
    expected = np.empty((n, n))
    for j in range(n):
        xc = x.astype(complex)
        xc[j] += 1j * h
        expected[:, j] = _naive_layer_norm(xc, g, b, eps).imag / h
    J = jacobian(x, gain=g, eps=eps)
    # |J| is of order max|g| / sqrt(var + eps) (it can vanish, e.g. N = 2 with eps = 0)
    scale = np.max(np.abs(g)) / np.sqrt(x.var() + eps) + np.max(np.abs(expected))
    assert np.max(np.abs(J - expected)) <= 1e-11 * scale


def test_jacobian_matches_central_differences_of_layer_norm():
    rng = np.random.default_rng(7)
    n = 9
    g = rng.normal(size=n)
    x = rng.normal(size=(3, n))
    J = jacobian(x, gain=g, eps=1e-3)
    h = 1e-6
    for row in range(3):
        fd = np.empty((n, n))
        for j in range(n):
            e = np.zeros(n)
            e[j] = h
            fd[:, j] = (layer_norm(x[row] + e, gain=g, eps=1e-3) - layer_norm(x[row] - e, gain=g, eps=1e-3)) / (2 * h)
        assert np.max(np.abs(J[row] - fd)) <= 1e-7 * np.max(np.abs(fd))


@SETTINGS
@given(gains(max_n=30), st.integers(0, 2**32 - 1))
def test_jacobian_annihilates_ones_and_with_eps_zero_the_radial_direction(g, seed):
    rng = np.random.default_rng(seed)
    n = g.size
    x = rng.normal(size=(4, n))
    x[:, 0] += 1.0  # never constant
    J = jacobian(x, gain=g, eps=1e-5)
    scale = np.max(np.abs(J)) + 1e-300
    assert np.max(np.abs(J @ np.ones(n))) <= 1e-14 * scale * n
    J0 = jacobian(x, gain=g, eps=0.0)
    px = x - x.mean(axis=-1, keepdims=True)
    radial = np.einsum("bij,bj->bi", J0, px / np.linalg.norm(px, axis=-1, keepdims=True))
    assert np.max(np.abs(radial)) <= 1e-13 * (np.max(np.abs(J0)) + 1e-300) * n


def test_jacobian_is_batched():
    rng = np.random.default_rng(3)
    g = rng.normal(size=6)
    x = rng.normal(size=(2, 3, 6))
    J = jacobian(x, gain=g)
    assert J.shape == (2, 3, 6, 6)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(J[i, j], jacobian(x[i, j], gain=g))


def test_jacobian_singular_values_for_unit_gains():
    """{1/√(σ²+ε) (N−2 times), ε/(σ²+ε)^{3/2}, 0} (MATH.md §7)."""
    rng = np.random.default_rng(11)
    n, eps = 12, 0.05
    x = rng.normal(size=n)
    var = x.var()
    sv = np.linalg.svd(jacobian(x, eps=eps), compute_uv=False)
    expected = np.sort([1 / np.sqrt(var + eps)] * (n - 2) + [eps / (var + eps) ** 1.5, 0.0])[::-1]
    np.testing.assert_allclose(sv, expected, rtol=1e-12, atol=1e-14)


def test_jacobian_is_robust_to_input_scale():
    rng = np.random.default_rng(5)
    g = rng.normal(size=8)
    x = rng.normal(size=8)
    J = jacobian(x, gain=g, eps=0.0)
    for k in (-600, 600):
        Jk = jacobian(np.ldexp(x, k), gain=g, eps=0.0)
        np.testing.assert_allclose(np.ldexp(Jk, k), J, rtol=1e-13, atol=1e-13 * np.abs(J).max())


def test_jacobian_of_constant_input_is_gain_times_projector_over_sqrt_eps():
    g = np.array([1.0, -2.0, 0.5])
    J = jacobian(np.full(3, 0.1), gain=g, eps=0.04)
    expected = g[:, None] * (np.eye(3) - 1 / 3) / 0.2
    np.testing.assert_allclose(J, expected, rtol=1e-14, atol=1e-15)


def test_jacobian_keeps_float32():
    J = jacobian(np.array([1.0, 2.0, 4.0], dtype=np.float32))
    assert J.dtype == np.float32


# --------------------------------------------------------------------------- bad input
def test_wrong_gain_shape_is_rejected():
    with pytest.raises(ValueError, match="gain must be a vector"):
        principal_axes(np.ones((2, 3)))


def test_non_finite_gain_is_rejected():
    with pytest.raises(ValueError, match="gain must be finite"):
        semi_axes([1.0, np.nan, 2.0])


def test_single_neuron_has_no_hyperplane():
    for f in (semi_axes, principal_axes, hyperplane_normal, normal_space, interlacing_bounds):
        with pytest.raises(ValueError, match="N >= 2"):
            f([1.0])


def test_paper_method_refuses_zero_gains():
    with pytest.raises(ValueError, match="paper.*nonzero"):
        principal_axes([1.0, 0.0, 2.0], method="paper")


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method must be one of"):
        principal_axes([1.0, 2.0], method="qr")


def test_complex_gain_is_rejected():
    with pytest.raises(TypeError, match="gain"):
        semi_axes(np.array([1.0, 2.0j]))


def test_jacobian_rejects_constant_input_with_eps_zero():
    with pytest.raises(ValueError, match="eps = 0"):
        jacobian([2.0, 2.0, 2.0], eps=0.0)


def test_jacobian_rejects_mismatched_gain():
    with pytest.raises(ValueError, match=r"gain must have shape \(N,\) = \(3,\)"):
        jacobian([1.0, 2.0, 3.0], gain=[1.0, 2.0])


def test_jacobian_rejects_negative_eps():
    with pytest.raises(ValueError, match="eps must be >= 0"):
        jacobian([1.0, 2.0, 3.0], eps=-1.0)


def test_public_names_are_exported():
    for name in ("hyperplane_normal", "normal_space", "principal_axes", "semi_axes", "jacobian"):
        assert name in lngeo.__all__ and callable(getattr(lngeo, name))


@given(gains(min_n=2, max_n=24))
def test_m_matrix_is_g_pi_g_and_annihilates_alpha(g):
    n = g.size
    pi = np.eye(n) - np.ones((n, n)) / n
    m = lngeo.m_matrix(g)
    np.testing.assert_allclose(m, np.diag(g) @ pi @ np.diag(g), rtol=0, atol=1e-12 * (1 + np.max(g * g)))
    np.testing.assert_array_equal(m, m.T)
    if np.all(g != 0):
        alpha = 1.0 / g
        alpha /= np.linalg.norm(alpha)
        assert np.abs(m @ alpha).max() <= 1e-12 * (1 + np.max(g * g))


def test_m_matrix_refuses_bad_gains():
    with pytest.raises(ValueError, match="gain must be finite"):
        lngeo.m_matrix([1.0, np.nan])
    with pytest.raises(ValueError, match="gain must be a vector"):
        lngeo.m_matrix(np.ones((2, 2)))
