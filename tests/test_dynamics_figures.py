"""Chapter 6's figures show what their text and alt text say (example tests on the pictures' data)."""

from __future__ import annotations

import numpy as np

import lngeo
from lngeo.widgets import dynamics as fig6
from lngeo.widgets.output_set import sample_inputs


def test_the_perturbation_input_has_unit_sigma_so_it_sits_on_the_circle_of_radius_root_three():
    a = fig6.PERTURBATION_INPUT
    assert np.isclose(a.std(), 1.0, rtol=1e-15)
    assert np.isclose(np.linalg.norm(lngeo.project(a)), np.sqrt(3), rtol=1e-15)


def test_rms_norm_keeps_the_common_mode_about_half_the_panel_lands_near_b_plus_or_minus_g():
    x = sample_inputs(300, seed=11)  # the contrast figure's inputs
    g, b = fig6.TRAINED_GAIN, fig6.TRAINED_BIAS
    rms = lngeo.rms_norm(x, g, b, eps=0.01)
    near = np.minimum(*(np.linalg.norm(rms - c, axis=1) for c in (b + g, b - g)))
    share = np.mean(near < 0.25 * np.linalg.norm(g))
    assert 0.4 <= share <= 0.6  # "about half" (alt text)
    assert np.mean(np.abs(x.mean(1)) > x.std(1)) > 0.5  # "most dominated by their mean"
    ln = lngeo.layer_norm(x, g, b, eps=0.01)
    ln_near = np.minimum(*(np.linalg.norm(ln - c, axis=1) for c in (b + g, b - g)))
    assert np.mean(ln_near < 0.25 * np.linalg.norm(g)) < share / 3  # LayerNorm has no such clusters


def test_arc_line_is_a_unit_direction_in_the_plane_orthogonal_to_ones():
    a, v = fig6.arc_line(1.6)
    assert np.isclose(np.linalg.norm(v), 1.0) and abs(v.sum()) < 1e-12
    assert np.linalg.norm(lngeo.project(a)) > 0
