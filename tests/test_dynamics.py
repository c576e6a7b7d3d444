"""lngeo.dynamics against independent computations: finite differences, closed forms, the plain formula."""

from __future__ import annotations

import numpy as np
import pytest

import lngeo
from lngeo.dynamics import (
    interpolate_parameters,
    iterate_layer_norm,
    line_outputs,
    pre_ln_residual,
    radial_and_tangential,
    two_neuron_fold,
)


def plain_ln(a, g, b, eps):
    return g * (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + eps) + b


def scaled(a, eps):
    return plain_ln(a, 1.0, 0.0, eps)  # z = √N Πa / √(|Πa|² + Nε)


@pytest.mark.parametrize("eps", [0.0, 1e-3, 0.5])
def test_line_outputs_match_the_plain_formula_and_stay_on_the_output_set(eps):
    rng = np.random.default_rng(1)
    a, v = rng.normal(size=5), rng.normal(size=5)
    g, b = rng.normal(1, 0.4, 5), rng.normal(0, 0.3, 5)
    t = np.linspace(-3, 3, 41)
    y = line_outputs(a, v, t, g, b, eps)
    assert np.allclose(y, plain_ln(a + t[:, None] * v, g, b, eps), rtol=1e-12, atol=1e-12)
    assert np.all(lngeo.ellipsoid_contains(y, g, b, rtol=1e-9))


def test_a_line_becomes_at_most_half_a_great_ellipse():
    rng = np.random.default_rng(2)
    a, v = rng.normal(size=4), rng.normal(size=4)
    y = line_outputs(a, v, [-1e9, 1e9], eps=0.0)
    pv = v - v.mean()
    assert np.allclose(y[1], 2.0 * pv / np.linalg.norm(pv), atol=1e-6)  # √N Πv/|Πv|, N = 4
    assert np.allclose(y[0], -y[1], atol=1e-6)


def test_two_neuron_fold_is_layer_norm_of_two_neurons():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(50, 2)) * 3
    for eps in (1e-5, 0.1, 2.0):
        assert np.allclose(two_neuron_fold(a[:, 0] - a[:, 1], eps), lngeo.layer_norm(a, eps=eps)[:, 0], rtol=1e-12)
    assert np.array_equal(two_neuron_fold([-3.0, 2.0], 0.0), [-1.0, 1.0])
    with pytest.raises(ValueError, match="0/0"):
        two_neuron_fold([0.0], 0.0)


@pytest.mark.parametrize("eps", [1e-5, 0.01, 1.0])
def test_radial_and_tangential_parts_match_finite_differences(eps):
    rng = np.random.default_rng(4)
    n = 6
    a = rng.normal(size=n) * 0.3 + 1.0
    da = rng.normal(size=(5, n))
    h = 1e-6
    z0 = scaled(a, eps)
    dz = (scaled(a + h * da, eps) - scaled(a - h * da, eps)) / (2 * h)
    u = z0 / np.linalg.norm(z0)
    want_rad = dz @ u
    want_tan = np.linalg.norm(dz - want_rad[:, None] * u, axis=1)
    rad, tan = radial_and_tangential(a, da, eps)
    assert np.allclose(rad, want_rad, rtol=1e-5, atol=1e-9)
    assert np.allclose(tan, want_tan, rtol=1e-6)


def test_radial_gain_is_eps_over_variance_plus_eps_times_the_tangential_gain():
    rng = np.random.default_rng(5)
    n, eps = 8, 1e-2
    a = rng.normal(size=n)
    var = a.var()
    w = (a - a.mean()) / np.linalg.norm(a - a.mean())
    perp = rng.normal(size=n)
    perp -= perp.mean()
    perp -= (perp @ w) * w
    perp /= np.linalg.norm(perp)
    rad, _ = radial_and_tangential(a, w, eps)
    _, tan = radial_and_tangential(a, perp, eps)
    assert np.isclose(rad / tan, eps / (var + eps), rtol=1e-12)


def test_radial_and_tangential_refuses_a_constant_input():
    with pytest.raises(ValueError, match="zero variance"):
        radial_and_tangential(np.ones(3), np.eye(3))


def test_iterating_unit_layer_norm_changes_it_only_at_the_eps_scale():
    rng = np.random.default_rng(6)
    a = rng.normal(size=64)
    eps = 1e-5
    y = iterate_layer_norm(a, eps=eps, steps=3)
    r2 = a.var() / (a.var() + eps)
    assert np.allclose(y[2], y[1] / np.sqrt(r2 + eps), rtol=1e-13)
    rel = np.linalg.norm(y[2] - y[1]) / np.linalg.norm(y[1])
    assert np.isclose(rel, eps / 2 * abs(1 - 1 / (a.var() + eps)), rtol=1e-3)
    g, b = rng.normal(1, 0.5, 64), rng.normal(0, 0.5, 64)
    yg = iterate_layer_norm(a, g, b, eps=eps, steps=2)
    assert np.max(np.abs(yg[2] - yg[1])) > 0.1
    assert np.all(lngeo.ellipsoid_contains(yg[1:], g, b))


def test_pre_ln_residual_follows_its_recursion_and_blocks_see_the_output_set():
    rng = np.random.default_rng(7)
    n = 5
    x0 = rng.normal(size=n)
    ws = [rng.normal(size=(n, n)) for _ in range(4)]
    g, b = rng.normal(1, 0.3, n), rng.normal(0, 0.3, n)
    xs, ys = pre_ln_residual(x0, ws, g, b, eps=1e-5)
    x = x0.copy()
    for i, w in enumerate(ws):
        y = plain_ln(x, g, b, 1e-5)
        assert np.allclose(ys[i], y, rtol=1e-12, atol=1e-12)
        x = x + w @ np.tanh(y)
        assert np.allclose(xs[i + 1], x, rtol=1e-12, atol=1e-12)
    assert np.all(lngeo.ellipsoid_contains(ys, g, b))
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape"):
        pre_ln_residual(x0, [np.eye(n), np.eye(n + 1)])


def test_interpolated_parameters_start_at_the_sphere_and_end_at_the_target():
    g, b = np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, -1.0])
    g0, b0 = interpolate_parameters(0.0, g, b)
    g1, b1 = interpolate_parameters(1.0, g, b)
    assert np.array_equal(g0, np.ones(3)) and np.array_equal(b0, np.zeros(3))
    assert np.array_equal(g1, g) and np.array_equal(b1, b)
    with pytest.raises(ValueError, match="bias must have shape"):
        interpolate_parameters(0.5, g, [1.0])
