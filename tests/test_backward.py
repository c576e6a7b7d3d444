"""lngeo.backward against independent routes: torch autograd, finite differences, numpy SVD/lstsq."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lngeo
from lngeo.backward import (
    fit_gain_bias,
    input_gradient,
    parameter_gradients,
    turning_basis,
    turning_speed_bounds,
    turning_speeds,
)

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def torch_ln(x, g, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), g, b, eps)


def case(seed, n, eps):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n) * rng.uniform(0.1, 5) + rng.normal() * 3
    g = rng.normal(1, 0.6, n)
    b = rng.normal(0, 0.5, n)
    u = rng.normal(size=n)
    return a, g, b, u


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 30), eps=st.sampled_from([0.0, 1e-5, 0.1]))
def test_input_gradient_is_what_torch_autograd_computes(seed, n, eps):
    a, g, b, u = case(seed, n, eps)
    x = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    y = torch_ln(x, torch.tensor(g), torch.tensor(b), eps)
    (y @ torch.tensor(u)).backward()
    assert np.allclose(input_gradient(a, u, g, eps), x.grad.numpy(), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 30))
def test_parameter_gradients_are_what_torch_autograd_computes(seed, n):
    rng = np.random.default_rng(seed)
    a, u = rng.normal(size=(4, n)) * 2 + 1, rng.normal(size=(4, n))
    g, b = rng.normal(1, 0.5, n), rng.normal(size=n)
    gt = torch.tensor(g, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    (torch_ln(torch.tensor(a), gt, bt, 1e-5) * torch.tensor(u)).sum().backward()
    dg, db = parameter_gradients(a, u, eps=1e-5)
    assert np.allclose(dg, gt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert np.allclose(db, bt.grad.numpy(), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 40), eps=st.sampled_from([0.0, 1e-5, 0.3]))
def test_every_input_gradient_is_orthogonal_to_the_ones_direction(seed, n, eps):
    a, g, _, u = case(seed, n, eps)
    grad = input_gradient(a, u, g, eps)
    assert abs(grad.sum()) <= 1e-12 * np.sqrt(n) * np.abs(grad).sum()


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 40))
def test_with_eps_zero_every_input_gradient_is_orthogonal_to_the_centred_input(seed, n):
    a, g, _, u = case(seed, n, 0.0)
    grad = input_gradient(a, u, g, 0.0)
    pa = a - a.mean()
    assert abs(grad @ pa) <= 1e-12 * np.linalg.norm(grad) * np.linalg.norm(pa) + 1e-300
    assert abs(grad @ a) <= 1e-11 * np.linalg.norm(grad) * np.linalg.norm(a)  # ⊥ a itself (Euler)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 40), eps=st.sampled_from([1e-5, 0.01, 1.0]))
def test_with_eps_the_radial_part_of_the_gradient_is_eps_over_var_plus_eps_of_the_gain_part(seed, n, eps):
    a, g, _, u = case(seed, n, eps)
    w = (a - a.mean()) / np.linalg.norm(a - a.mean())
    c = 1 / np.sqrt(a.var() + eps)
    expected = c * eps / (a.var() + eps) * (w @ (g * u))
    assert np.isclose(input_gradient(a, u, g, eps) @ w, expected, rtol=1e-9, atol=1e-14)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 30), lam=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3))
def test_with_eps_zero_gradients_scale_as_one_over_sigma(seed, n, lam):
    a, g, _, u = case(seed, n, 0.0)
    assert np.allclose(input_gradient(lam * a, u, g, 0.0), input_gradient(a, u, g, 0.0) / abs(lam),
                       rtol=1e-9, atol=1e-13 / abs(lam))


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 30), eta=st.floats(1e-3, 10.0))
def test_a_gradient_step_on_the_input_can_only_grow_its_centred_length(seed, n, eta):
    a, g, _, u = case(seed, n, 0.0)
    grad = input_gradient(a, u, g, 0.0)
    after = a - eta * grad
    pa, pafter = a - a.mean(), after - after.mean()
    # |Π(a − η∇)|² = |Πa|² + η²|∇|² exactly when ε = 0 (∇ ⊥ 1 and ∇ ⊥ Πa)
    assert np.isclose(pafter @ pafter, pa @ pa + eta**2 * (grad @ grad), rtol=1e-10)
    assert np.isclose(after.mean(), a.mean(), rtol=0, atol=1e-12 * (1 + np.abs(a).max() + eta * np.abs(grad).max()))


def test_input_gradient_matches_finite_differences_of_a_loss():
    rng = np.random.default_rng(7)
    n, eps = 9, 1e-3
    a, g, b, t = rng.normal(size=n), rng.normal(1, 0.4, n), rng.normal(size=n), rng.normal(size=n)
    loss = lambda x: 0.5 * np.sum((lngeo.layer_norm(x, g, b, eps) - t) ** 2)
    u = lngeo.layer_norm(a, g, b, eps) - t
    h = 1e-6
    fd = np.array([(loss(a + h * e) - loss(a - h * e)) / (2 * h) for e in np.eye(n)])
    assert np.allclose(input_gradient(a, u, g, eps), fd, rtol=1e-7, atol=1e-9)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 25))
def test_turning_basis_is_orthonormal_and_orthogonal_to_ones_and_the_centred_input(seed, n):
    a = np.random.default_rng(seed).normal(size=n)
    q = turning_basis(a)
    assert q.shape == (n - 2, n)
    assert np.allclose(q @ q.T, np.eye(n - 2), atol=1e-12)
    assert np.allclose(q @ np.ones(n), 0, atol=1e-12)
    assert np.allclose(q @ (a - a.mean()), 0, atol=1e-12 * np.linalg.norm(a))


def _null_space_basis(a):
    """Turning space from scipy's null space of [1; Πa] (a route independent of turning_basis)."""
    from scipy.linalg import null_space

    return null_space(np.stack([np.ones(a.size), a - a.mean()])).T


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 25), eps=st.sampled_from([0.0, 1e-5, 0.05]))
def test_turning_speeds_are_the_jacobians_singular_values_on_the_turning_space(seed, n, eps):
    a, g, _, _ = case(seed, n, eps)
    q = _null_space_basis(a)
    expected = np.linalg.svd(lngeo.jacobian(a, g, eps=eps) @ q.T, compute_uv=False)
    assert np.allclose(turning_speeds(a, g, eps), expected, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 25))
def test_with_eps_zero_turning_speeds_are_the_nonzero_singular_values_of_torch_jacobian(seed, n):
    a, g, b, _ = case(seed, n, 0.0)
    J = torch.autograd.functional.jacobian(
        lambda x: torch_ln(x, torch.tensor(g), torch.tensor(b), 0.0), torch.tensor(a)).numpy()
    sv = np.linalg.svd(J, compute_uv=False)
    assert np.allclose(turning_speeds(a, g, 0.0), sv[: n - 2], rtol=1e-8, atol=1e-12)
    assert np.all(sv[n - 2:] <= 1e-10 * sv[0])


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 40), eps=st.sampled_from([0.0, 1e-5, 0.5]))
def test_turning_speeds_interlace_the_semi_axes_over_root_n_sigma(seed, n, eps):
    a, g, _, _ = case(seed, n, eps)
    if seed % 3 == 0:
        g[: n // 3] = g[n // 3]  # repeated gains: some bounds are attained
    tau = turning_speeds(a, g, eps)
    lo, hi = turning_speed_bounds(a, g, eps)
    # bounds computed here from numpy's SVD of G on 1⟂ (chapter 5's SVD route), not the secular solver
    q1 = np.linalg.svd(np.ones((1, n)))[2][1:]
    s = np.linalg.svd(g[:, None] * q1.T, compute_uv=False) / np.sqrt(a.var() + eps)
    assert np.allclose(lo, s[1:], rtol=1e-9, atol=1e-12) and np.allclose(hi, s[:-1], rtol=1e-9, atol=1e-12)
    tol = 1e-10 * s[0]
    assert np.all(s[1:] - tol <= tau) and np.all(tau <= s[:-1] + tol)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 30), eps=st.sampled_from([1e-5, 0.01, 0.5]))
def test_with_eps_the_jacobians_largest_singular_values_are_within_the_radial_column_of_the_turning_speeds(seed, n, eps):
    a, g, _, _ = case(seed, n, eps)
    sv = np.linalg.svd(lngeo.jacobian(a, g, eps=eps), compute_uv=False)
    w = (a - a.mean()) / np.linalg.norm(a - a.mean())
    radial = np.linalg.norm(lngeo.jacobian(a, g, eps=eps) @ w)
    c, var = 1 / np.sqrt(a.var() + eps), a.var()
    assert np.isclose(radial, c * eps / (var + eps) * np.linalg.norm(g * w), rtol=1e-9)
    assert np.all(np.abs(sv[: n - 2] - turning_speeds(a, g, eps)) <= radial * (1 + 1e-9) + 1e-13)


def test_unit_gain_turning_speeds_are_all_one_over_root_var_plus_eps():
    a = np.random.default_rng(3).normal(size=12) * 3
    assert np.allclose(turning_speeds(a, eps=0.2), 1 / np.sqrt(a.var() + 0.2), rtol=1e-12)


def test_gradient_descent_on_gain_and_bias_reaches_the_least_squares_fit():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(50, 4)) * 2
    t = rng.normal(size=(50, 4))
    path = fit_gain_bias(x, t, steps=3000, lr=0.5)
    assert np.all(np.diff(path.losses) <= 1e-15)  # descent on a convex quadratic, small step
    z = lngeo.layer_norm(x)
    for n in range(4):  # per neuron, a straight-line fit t ≈ g z + b
        (gn, bn), *_ = np.linalg.lstsq(np.stack([z[:, n], np.ones(50)], 1), t[:, n], rcond=None)
        assert np.isclose(path.gains[-1, n], gn, atol=1e-8) and np.isclose(path.biases[-1, n], bn, atol=1e-8)


def test_fit_gain_bias_steps_are_torch_autograd_steps():
    rng = np.random.default_rng(9)
    x, t = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    path = fit_gain_bias(x, t, steps=1, lr=0.3)
    g = torch.ones(5, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    y = torch_ln(torch.tensor(x), g, b, 1e-5)
    (0.5 * ((y - torch.tensor(t)) ** 2).sum(1).mean()).backward()
    assert np.isclose(path.losses[0], 0.5 * np.mean(np.sum((lngeo.layer_norm(x) - t) ** 2, 1)))
    assert np.allclose(path.gains[1], 1 - 0.3 * g.grad.numpy(), rtol=1e-12)
    assert np.allclose(path.biases[1], -0.3 * b.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("call, match", [
    (lambda: input_gradient([1.0, 2.0, 3.0], [1.0, 2.0]), "upstream must have shape"),
    (lambda: input_gradient([2.0, 2.0, 2.0], [1.0, 0.0, 0.0], eps=0.0), "zero variance"),
    (lambda: input_gradient([1.0, 2.0, 3.0], [1.0, 0.0, 0.0], gain=[1.0, 2.0]), "gain must have shape"),
    (lambda: parameter_gradients([[1.0, 2.0, 3.0]], [1.0, 0.0, 0.0]), "upstream must have the shape"),
    (lambda: turning_basis([1.0, 2.0]), "N >= 3"),
    (lambda: turning_basis([1.0, 1.0, 1.0]), "zero variance"),
    (lambda: turning_speeds([1.0, 2.0, 3.0], eps=-1.0), "eps must be >= 0"),
    (lambda: fit_gain_bias([[1.0, 2.0, 3.0]], [[1.0, 2.0]]), "both have shape"),
    (lambda: fit_gain_bias([[1.0, 2.0, 3.0]], [[1.0, 2.0, 0.0]], lr=0.0), "lr must be"),
    (lambda: fit_gain_bias([[1.0, 2.0, 3.0]], [[1.0, 2.0, 0.0]], steps=-1), "steps must be"),
])
def test_bad_inputs_raise_a_message_naming_the_problem(call, match):
    with pytest.raises(ValueError, match=match):
        call()
