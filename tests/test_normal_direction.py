"""The hyperplane normal α ∝ 1/g: its tilt in closed form, and its zero-variance ("dead") direction.

Each identity is checked against an independent route: the closed-form tilt against the
angle between ``normal_space(gain)`` and 1 (``tilt_angle``) and against ``arccos`` of the
dot product written out; the dead direction against the covariance's own ``eigh`` and
against the per-output hyperplane equation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lngeo import (
    dead_direction,
    hyperplane_normal,
    layer_norm,
    output_covariance,
    tilt_from_inverse_gains,
)
from lngeo.model_geometry import tilt_angle


@st.composite
def nonzero_gains(draw, min_n=2, max_n=40):
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    spread = draw(st.sampled_from([0.0, 0.05, 0.5, 2.0]))
    signs = np.where(rng.random(n) < draw(st.sampled_from([0.0, 0.2, 0.5])), -1.0, 1.0)
    return draw(st.sampled_from([1e-3, 1.0, 40.0])) * rng.lognormal(0.0, spread, n) * signs


@given(nonzero_gains())
def test_closed_form_tilt_equals_the_angle_between_the_normal_and_ones(g):
    closed = tilt_from_inverse_gains(g)
    assert closed == pytest.approx(tilt_angle(g), abs=1e-8)
    a = 1.0 / g  # eq-tilt written out, an arccos route (accurate away from 0°)
    cos = abs(a.sum()) / (math.sqrt(g.size) * np.linalg.norm(a))
    if cos < 0.999:
        assert closed == pytest.approx(math.degrees(math.acos(cos)), abs=1e-7)


@given(nonzero_gains(), st.sampled_from([-3.0, -1e-5, 1e-5, 7.0]))
def test_closed_form_tilt_ignores_a_common_scale_or_sign_of_the_gains(g, c):
    assert tilt_from_inverse_gains(c * g) == pytest.approx(tilt_from_inverse_gains(g), abs=1e-9)


def test_closed_form_tilt_is_zero_for_equal_gains_and_90_when_the_inverse_gains_cancel():
    assert tilt_from_inverse_gains(np.full(7, -2.5)) == 0.0
    assert tilt_from_inverse_gains([1.0, -1.0, 2.0, -2.0]) == pytest.approx(90.0)
    assert tilt_from_inverse_gains([1.0, 2.0]) == pytest.approx(math.degrees(math.atan(1 / 3)))


def test_closed_form_tilt_survives_gains_whose_inverse_squares_would_overflow():
    g = np.array([1e-200, 1.0, 2.0])
    assert tilt_from_inverse_gains(g) == pytest.approx(math.degrees(math.acos(1 / math.sqrt(3))), abs=1e-9)


@pytest.mark.parametrize("bad, error", [([1.0, 0.0, 2.0], ValueError), ([1.0], ValueError),
                                        ([1.0, np.nan], ValueError), ([[1.0, 2.0]], ValueError)])
def test_closed_form_tilt_rejects_bad_gains(bad, error):
    with pytest.raises(error):
        tilt_from_inverse_gains(bad)


def _outputs(g, seed, m, eps, rank=None):
    rng = np.random.default_rng(seed)
    n = g.size
    if rank is None:
        x = rng.normal(size=(m, n))
    else:  # a degenerate input distribution: a few directions only
        x = rng.normal(size=(m, rank)) @ rng.normal(size=(rank, n))
    x = x * rng.lognormal(0, 1, (m, 1)) + rng.normal(0, 3, (m, 1))  # any scale, any mean
    return layer_norm(x, g, rng.normal(size=n), eps=eps)


@given(nonzero_gains(min_n=3, max_n=24), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 1e-5, 1.0]))
def test_the_normal_is_in_the_null_space_of_the_output_covariance(g, seed, eps):
    y = _outputs(g, seed, m=2 * g.size + 5, eps=eps)
    cov = output_covariance(y)
    a = hyperplane_normal(g)
    w, v = np.linalg.eigh(cov)
    scale = w[-1] * max(1.0, float(np.abs(y).max() ** 2 / w[-1]))
    assert np.linalg.norm(cov @ a) <= 1e-12 * scale
    # independent route: eigh's smallest eigenvector is ±α̂ (generic inputs: the null space is 1-D)
    sin = np.linalg.norm(v[:, 0] - (v[:, 0] @ a) * a)
    assert sin <= 1e-10 * scale / w[1]
    d = dead_direction(y, g)
    assert d.near_null == 1 and d.angle_deg == pytest.approx(math.degrees(math.asin(min(sin, 1.0))), abs=1e-9)


@given(nonzero_gains(min_n=5, max_n=24), st.integers(0, 2**32 - 1))
def test_the_normal_is_dead_for_any_input_distribution_even_a_degenerate_one(g, seed):
    y = _outputs(g, seed, m=7, eps=1e-5, rank=2)
    a = hyperplane_normal(g)
    dev = (y - y.mean(axis=0)) @ a  # the hyperplane equation, output by output
    assert np.abs(dev).max() <= 1e-12 * np.abs(y).max()
    d = dead_direction(y, g)  # relative to λ_max: round-off of the computed covariance
    assert abs(d.variance_along_normal) <= 1e-13 and d.outside_near_null <= 1e-10


def test_a_direction_that_is_not_the_normal_is_not_dead():
    rng = np.random.default_rng(5)
    g = rng.lognormal(0, 0.5, 10)
    y = layer_norm(rng.normal(size=(200, 10)), g, eps=1e-5)
    cov = output_covariance(y)
    wrong = g / np.linalg.norm(g)  # the classic slip: a normal ∝ g
    assert wrong @ cov @ wrong > 1e-4 * np.linalg.eigvalsh(cov)[-1]
    noise = rng.normal(size=(200, 10))  # not LayerNorm outputs at all
    assert dead_direction(noise, g).variance_along_normal > 1e-3


def test_near_zero_gains_give_several_near_null_directions_that_contain_the_normal():
    rng = np.random.default_rng(6)
    g = rng.lognormal(0, 0.3, 12)
    g[[2, 7]] = [-5e-33, 6e-33]
    y = layer_norm(rng.normal(size=(100, 12)), g, rng.normal(size=12), eps=1e-12)
    d = dead_direction(y, g)
    assert d.near_null >= 2
    assert d.outside_near_null < 1e-12


def test_output_covariance_is_the_population_covariance():
    y = np.random.default_rng(8).normal(size=(30, 4))
    np.testing.assert_allclose(output_covariance(y), np.cov(y.T, bias=True), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("y, gain", [(np.ones((1, 3)), np.ones(3)), (np.ones((4, 3)), np.ones(4)),
                                     (np.ones(3), np.ones(3))])
def test_dead_direction_rejects_bad_shapes(y, gain):
    with pytest.raises(ValueError):
        dead_direction(y, gain)
