"""When is LN∘LN = LN? Chapter 6's statements, checked on random cases against the plain formula."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=60, deadline=None)


def plain_ln(a, g, b, eps):
    return g * (a - a.mean()) / np.sqrt(a.var() + eps) + b


def twice_change(a, g, b, eps):
    y1 = plain_ln(a, g, b, eps)
    y2 = plain_ln(y1, g, b, eps)
    return np.linalg.norm(y2 - y1) / np.linalg.norm(y1 - b)


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 30), c=st.floats(0.01, 100), beta=st.floats(-10, 10))
def test_with_eps_zero_a_positive_uniform_gain_and_a_bias_along_ones_make_layer_norm_idempotent(seed, n, c, beta):
    a = np.random.default_rng(seed).normal(size=n) * 3 + 1
    assert twice_change(a, np.full(n, c), np.full(n, beta), 0.0) < 1e-12


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 30), which=st.sampled_from(["gain", "negative", "bias", "zero gain"]))
def test_with_eps_zero_any_other_gain_or_bias_moves_the_point(seed, n, which):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n) * 3 + 1
    g, b = np.ones(n), np.zeros(n)
    if which == "gain":
        g = g + rng.uniform(0.2, 1.0) * rng.normal(size=n)
    elif which == "zero gain":
        g[rng.integers(n)] = 0.0
    elif which == "negative":
        g = -g * rng.uniform(0.1, 10)
    else:
        b = rng.normal(size=n)
        b -= b.mean() - rng.normal()  # a component off the 1 axis
    assert twice_change(a, g, b, 0.0) > 1e-6


def test_two_neurons_are_the_exception_to_the_uniform_gain_condition():
    # N = 2: LN is a sign of a₁ − a₂, so g = (2, 1) is idempotent although not uniform
    rng = np.random.default_rng(0)
    for a in rng.normal(size=(20, 2)):
        assert twice_change(a, np.array([2.0, 1.0]), np.zeros(2), 0.0) < 1e-14


@SETTINGS
@given(seed=st.integers(0, 10**6), n=st.integers(3, 200), sigma=st.floats(0.05, 20),
       eps=st.sampled_from([1e-12, 1e-5, 1e-3]))
def test_with_eps_unit_gain_moves_the_point_by_the_predicted_relative_amount(seed, n, sigma, eps):
    a = np.random.default_rng(seed).normal(size=n)
    a = (a - a.mean()) / a.std() * sigma + 5.0
    r2 = sigma**2 / (sigma**2 + eps)
    exact = abs(1 / np.sqrt(r2 + eps) - 1)
    change = twice_change(a, np.ones(n), np.zeros(n), eps)
    assert np.isclose(change, exact, rtol=1e-6, atol=1e-14)  # round-off floor
    first_order = eps / 2 * abs(1 - 1 / sigma**2)
    assert abs(exact - first_order) <= 2 * eps**2 * (1 + 1 / sigma**4) + 1e-15


def test_with_eps_unit_gain_is_exactly_idempotent_only_when_var_plus_eps_is_one():
    n, eps = 16, 1e-3
    a = np.random.default_rng(1).normal(size=n)
    a = (a - a.mean()) / a.std() * np.sqrt(1 - eps)
    assert twice_change(a, np.ones(n), np.zeros(n), eps) < 1e-15
    assert twice_change(2 * a, np.ones(n), np.zeros(n), eps) > 1e-4
