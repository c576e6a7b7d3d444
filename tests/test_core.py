"""Properties of LayerNorm and its three stages (lngeo.core), checked by independent routes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lngeo

# ---------------------------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------------------------


def reference_layer_norm(x, gain, bias, eps):
    """The standard formula in extended precision (80-bit long double), two-pass variance."""
    x = np.asarray(x, dtype=np.longdouble)
    d = x - x.mean(axis=-1, keepdims=True)
    d = d - d.mean(axis=-1, keepdims=True)
    var = (d * d).mean(axis=-1, keepdims=True)
    return np.asarray(gain, np.longdouble) * d / np.sqrt(var + np.longdouble(eps)) + np.asarray(bias, np.longdouble)


def composition_by_matrices(x, gain, bias, eps):
    """√N G Πa / √(|Πa|² + Nε) + b with Π built as the explicit matrix I − 11ᵀ/N."""
    n = x.shape[-1]
    pi = np.eye(n) - np.ones((n, n)) / n
    pa = x @ pi.T
    norm2 = np.sum(pa * pa, axis=-1, keepdims=True)
    return np.sqrt(n) * pa * gain / np.sqrt(norm2 + n * eps) + bias


def ulps_off(got, want):
    want = np.asarray(want, dtype=np.float64)
    scale = np.spacing(np.max(np.abs(want), axis=-1, keepdims=True) + np.finfo(float).tiny)
    return np.max(np.abs(np.asarray(got, np.float64) - want) / scale)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def layer_inputs(draw, min_n=2, max_n=24):
    n = draw(st.integers(min_n, max_n))
    batch = draw(st.sampled_from([(), (3,), (2, 2)]))
    x = draw(hnp.arrays(np.float64, batch + (n,), elements=finite))
    gain = draw(hnp.arrays(np.float64, (n,), elements=st.floats(-3, 3, allow_nan=False)))
    bias = draw(hnp.arrays(np.float64, (n,), elements=st.floats(-3, 3, allow_nan=False)))
    eps = draw(st.sampled_from([1e-12, 1e-5, 1e-2, 1.0]))
    return x, gain, bias, eps


# ---------------------------------------------------------------------------------------------
# The composition is LayerNorm
# ---------------------------------------------------------------------------------------------


@given(layer_inputs())
def test_composition_equals_standard_formula(case):
    x, gain, bias, eps = case
    y = lngeo.layer_norm(x, gain, bias, eps=eps)
    parts = lngeo.decompose(x, gain, bias, eps=eps)
    staged = lngeo.affine(lngeo.scale(lngeo.project(x), eps=eps), gain, bias)
    ref = reference_layer_norm(x, gain, bias, eps)
    assert ulps_off(y, ref) <= 8
    assert ulps_off(parts.output, ref) <= 8
    assert ulps_off(staged, ref) <= 64  # three separately rounded stages
    # The explicit-matrix route has no guard against round-off (MATH.md §6): compare it only
    # where the input's spread is well above the round-off of its mean.
    spread = np.ptp(x, axis=-1) > 1e-6 * (1 + np.abs(x).max(axis=-1))
    np.testing.assert_allclose(composition_by_matrices(x, gain, bias, eps)[spread], y[spread], rtol=1e-9, atol=1e-9)


@given(layer_inputs())
def test_outputs_lie_on_the_hyperplane_and_inside_the_ellipsoid(case):
    x, gain, bias, eps = case
    gain = np.where(np.abs(gain) < 1e-2, 1.0, gain)  # nonzero gains: α = 1/g exists
    y = lngeo.layer_norm(x, gain, bias, eps=eps)
    u = (y - bias) / gain
    n = x.shape[-1]
    alpha = 1.0 / gain
    # hyperplane α·(y − b) = Σ u_n = 0
    assert np.all(np.abs((y - bias) @ alpha) <= 1e-9 * np.sqrt(n) * (1 + np.abs(u).max()))
    # ellipsoid Σ ((y − b)/g)² = N r² ≤ N, with r the radial fraction
    r = lngeo.radial_fraction(x, eps=eps)
    np.testing.assert_allclose(np.sum(u * u, axis=-1), n * r**2, rtol=1e-9, atol=1e-12)
    assert np.all(r <= 1.0) and np.all(r >= 0.0)


@given(layer_inputs(), st.floats(-1e4, 1e4, allow_nan=False))
def test_mean_shift_changes_nothing(case, c):
    x, gain, bias, eps = case
    assume(np.all(np.ptp(x, axis=-1) > 1e-3))
    np.testing.assert_allclose(lngeo.layer_norm(x + c, gain, bias, eps), lngeo.layer_norm(x, gain, bias, eps), atol=1e-7)


@given(layer_inputs())
@example((np.array([3.73625438e-190, 0.0]), np.zeros(2), np.zeros(2), 1e-12))  # σ² underflows
def test_radial_fraction_matches_its_formula(case):
    x, _, _, eps = case
    var = np.var(np.asarray(x, np.longdouble), axis=-1)
    want = np.sqrt(var / (var + np.longdouble(eps)))
    np.testing.assert_allclose(lngeo.radial_fraction(x, eps), np.asarray(want, float), rtol=1e-12, atol=1e-300)
    parts = lngeo.decompose(x, eps=eps)
    n = x.shape[-1]
    length = np.sqrt(np.sum(np.asarray(parts.scaled, np.longdouble) ** 2, axis=-1))  # no underflow
    np.testing.assert_allclose(np.asarray(length, float), np.sqrt(n) * parts.radial_fraction, rtol=1e-12, atol=1e-300)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 12)), elements=finite))
def test_projection_is_symmetric_idempotent_and_kills_ones(x):
    n = x.shape[-1]
    pi = lngeo.project(np.eye(n))  # rows: Π e_j
    np.testing.assert_allclose(pi, pi.T, atol=1e-15)
    np.testing.assert_allclose(pi @ pi, pi, atol=1e-14)
    np.testing.assert_allclose(lngeo.project(np.ones(n)), 0.0, atol=0)
    np.testing.assert_allclose(lngeo.project(x), x @ pi.T, atol=1e-12 * (1 + np.abs(x).max()))


@given(hnp.arrays(np.float64, st.integers(1, 12), elements=finite), st.sampled_from([0.0, 1e-5, 1.0]))
def test_rms_norm_matches_its_formula(x, eps):
    assume(eps > 0 or np.any(x != 0))
    ms = np.mean(np.asarray(x, np.longdouble) ** 2)
    np.testing.assert_allclose(lngeo.rms_norm(x, eps=eps), np.asarray(x / np.sqrt(ms + np.longdouble(eps)), float), rtol=1e-13, atol=1e-300)


def test_scale_lands_on_the_sphere_when_eps_is_zero():
    z = np.random.default_rng(1).normal(size=(50, 7))
    s = lngeo.scale(z, eps=0.0)
    np.testing.assert_allclose(np.linalg.norm(s, axis=-1), np.sqrt(7), rtol=1e-14)
    inside = lngeo.scale(z, eps=1e-3)
    assert np.all(np.linalg.norm(inside, axis=-1) < np.sqrt(7))


# ---------------------------------------------------------------------------------------------
# Robustness: scale and round-off (MATH.md §6)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("magnitude", [1e-200, 1e-20, 1.0, 1e20, 1e200, 1e300])
def test_huge_and_tiny_float64_inputs_give_the_scale_free_answer(magnitude):
    x = np.array([1.0, 2.0, 4.0, -3.0])
    want = lngeo.layer_norm(x, eps=0.0)
    got = lngeo.layer_norm(magnitude * x, eps=0.0)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    if magnitude >= 1.0:  # σ² = 5.25 m² ≫ ε: the output moves by about ε/(2σ²) relative
        np.testing.assert_allclose(lngeo.layer_norm(magnitude * x, eps=1e-5), want, rtol=1e-6, atol=1e-15)


@pytest.mark.parametrize("magnitude", [1e15, 1e18, 1e20, 1e30])
def test_huge_float32_inputs_do_not_collapse_to_the_bias(magnitude):
    rng = np.random.default_rng(2)
    x = (rng.normal(size=768) * magnitude).astype(np.float32)
    bias = np.full(768, 0.25, np.float32)
    y = lngeo.layer_norm(x, bias=bias, eps=1e-5)
    assert y.dtype == np.float32
    ref = reference_layer_norm(x.astype(np.float64), np.ones(768), bias, 1e-5)
    np.testing.assert_allclose(y, np.asarray(ref, float), rtol=2e-6, atol=2e-6)
    assert lngeo.radial_fraction(x) > 0.999


def test_constant_input_gives_exactly_the_bias_when_eps_positive():
    bias = np.array([0.5, -1.0, 2.0])
    gain = np.array([3.0, 4.0, 5.0])
    y = lngeo.layer_norm(0.1 * np.ones(3), gain, bias, eps=1e-5)
    np.testing.assert_array_equal(y, bias)
    np.testing.assert_array_equal(lngeo.radial_fraction(0.1 * np.ones(3)), 0.0)


def test_constant_input_with_zero_eps_is_a_clear_error():
    with pytest.raises(ValueError, match=r"zero variance.*eps = 0"):
        lngeo.layer_norm(0.1 * np.ones(3), eps=0.0)
    with pytest.raises(ValueError, match=r"zero variance.*row \(1,\)"):
        lngeo.layer_norm(np.array([[1.0, 2.0], [7.0, 7.0]]), eps=0.0)
    with pytest.raises(ValueError, match="zero variance"):
        lngeo.radial_fraction(np.full(5, 3.3), eps=0.0)
    with pytest.raises(ValueError, match="zero norm"):
        lngeo.scale(np.zeros(4), eps=0.0)


def test_one_neuron_gives_the_bias():
    np.testing.assert_array_equal(lngeo.layer_norm([[5.0], [7.0]], gain=[2.0], bias=[0.3], eps=1e-5), [[0.3], [0.3]])


def test_dtypes_follow_the_input():
    x = np.arange(6.0).reshape(2, 3)
    assert lngeo.layer_norm(x.astype(np.float32)).dtype == np.float32
    assert lngeo.layer_norm(x.astype(np.float16)).dtype == np.float16
    assert lngeo.layer_norm(np.arange(3)).dtype == np.float64
    assert lngeo.layer_norm(x.astype(np.float32), gain=np.ones(3)).dtype == np.float64


# ---------------------------------------------------------------------------------------------
# Bad input: one test per case of the contract
# ---------------------------------------------------------------------------------------------


def test_gain_of_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"gain must have shape \(N,\) = \(3,\), got \(4,\)"):
        lngeo.layer_norm(np.ones((2, 3)), gain=np.ones(4))


def test_bias_of_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"bias must have shape \(N,\) = \(3,\), got \(1, 3\)"):
        lngeo.layer_norm(np.arange(3.0), bias=np.ones((1, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_named_with_its_index(bad):
    x = np.arange(6.0).reshape(2, 3)
    x[1, 2] = bad
    with pytest.raises(ValueError, match=r"x must be finite, but x\[1, 2\]"):
        lngeo.layer_norm(x)
    with pytest.raises(ValueError, match=r"gain must be finite"):
        lngeo.layer_norm(np.arange(3.0), gain=[1.0, bad, 1.0])


@pytest.mark.parametrize("eps", [-1e-5, np.nan, np.inf])
def test_bad_eps_is_refused(eps):
    with pytest.raises(ValueError, match="eps must be"):
        lngeo.layer_norm(np.arange(3.0), eps=eps)


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="x must hold real numbers"):
        lngeo.layer_norm(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="complex"):
        lngeo.layer_norm(np.array([1j, 2.0]))
    with pytest.raises(TypeError, match="eps must be a real number"):
        lngeo.layer_norm(np.arange(3.0), eps="small")


def test_scalar_and_empty_inputs_are_refused():
    with pytest.raises(ValueError, match="at least one axis"):
        lngeo.layer_norm(3.0)
    with pytest.raises(ValueError, match="N >= 1"):
        lngeo.layer_norm(np.zeros((2, 0)))
