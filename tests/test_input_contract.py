"""One test per bad input named in issue 12: each must be refused by name or answered right."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lngeo
from lngeo import backward, dynamics, model_geometry
from lngeo.geometry import route_error_bound


@pytest.fixture(autouse=True)
def no_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: lngeo.affine(None), r"^u must"),
        (lambda: lngeo.affine([np.nan, 1.0]), r"^u must be finite"),
        (lambda: lngeo.scale([0.0, 0.0], eps=0.0), r"^z has zero norm"),
        (lambda: lngeo.ellipsoid_contains([1.0, 2.0], rtol=-1.0), r"^rtol must"),
        (lambda: lngeo.layer_norm([1.0, 2.0], eps=10**400), r"^eps is an integer with 401"),
        (lambda: lngeo.principal_axes([1.0, 2.0, 3.0], method=np.array(["eigh", "svd"])),
         r"^method must be one of"),
        (lambda: lngeo.layer_norm(np.array([1, 2], dtype="m8[s]")), r"^x must hold real numbers"),
        (lambda: lngeo.layer_norm(np.array([2**62, 2**62 + 1])), r"^x holds the integer"),
        (lambda: dynamics.interpolate_parameters(0.5j, [1.0, 2.0]), r"^t must be a real number"),
        (lambda: dynamics.line_outputs([1.0, 2.0, 3.0], None, [0.0]), r"^v must"),
        (lambda: dynamics.iterate_layer_norm([1.0, 2.0, 3.0], steps=10**9), r"^steps must be <="),
        (lambda: dynamics.pre_ln_residual([1.0, 0.0, -1.0], [np.full((3, 3), np.inf)]),
         r"^weights\[0\] must be finite"),
        (lambda: dynamics.pre_ln_residual([1.0, 1.0, 1.0], [np.eye(3)], eps=0.0),
         r"^x0 has zero variance"),
        (lambda: dynamics.two_neuron_fold([np.nan]), r"^d must be finite"),
        (lambda: model_geometry.layer_geometry([np.nan, 1.0, 2.0]), r"^gain must be finite"),
        (lambda: model_geometry.layer_geometry([1.0, 2.0, 3.0], tol=np.nan), r"^tol must"),
        (lambda: backward.fit_gain_bias([[1.0, 2.0, 4.0]], [[0.0, 1.0, -1.0]], steps=10**9),
         r"^steps must be <="),
        (lambda: lngeo.semi_axes([1.0, 1.5e308]), r"^gain\[1\].*too large"),
    ],
)
def test_bad_input_is_refused_naming_its_argument(call, named):
    with pytest.raises((ValueError, TypeError), match=named):
        call()


def test_two_neuron_fold_is_right_at_the_ends_of_the_range():
    np.testing.assert_array_equal(dynamics.two_neuron_fold([1e200, -1e200]), [1.0, -1.0])
    np.testing.assert_array_equal(dynamics.two_neuron_fold([1e-200], eps=0.0), [1.0])


def test_radial_and_tangential_is_scale_free_with_eps_zero():
    a, da = np.array([1.0, 0.0, -1.0]), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    rad1, tan1 = dynamics.radial_and_tangential(a, da, eps=0.0)
    rad2, tan2 = dynamics.radial_and_tangential(a * 1e-200, da * 1e-200, eps=0.0)
    np.testing.assert_allclose(tan2, tan1, rtol=1e-15)
    np.testing.assert_allclose(rad2, rad1, atol=1e-15)


def test_an_all_zero_gain_is_a_point():
    assert model_geometry.layer_geometry([0.0, 0.0, 0.0]).dimension == 0


def test_a_point_1e290_outside_is_not_contained_and_has_no_coordinates():
    g = [1e-200, 2e-200, 1.0, 3.0]
    y = lngeo.layer_norm([0.3, -1.2, 2.0, 0.1], gain=g)
    assert bool(lngeo.ellipsoid_contains(y, gain=g))
    assert not bool(lngeo.ellipsoid_contains([1e290, -1e290, 0.0, 0.0], gain=g))
    with pytest.raises(ValueError, match="^y is so far"):
        lngeo.slice_coordinates([1e290, -1e290, 0.0, 0.0], gain=g)


def test_dense_routes_refuse_gains_they_cannot_resolve_and_say_which_route_works():
    g = np.array([4.8e-33, 7.1e-33, 0.5, 1.0, 1.5, 2.0])  # like MiniLM's last LayerNorm
    for method in ("paper", "eigh", "svd"):
        assert route_error_bound(g, method) > 1e-2
        with pytest.raises(ValueError, match="method='secular'"):
            lngeo.principal_axes(g, method=method)
    s, u = lngeo.principal_axes(g)
    assert np.all(np.isfinite(s)) and np.all(s > 0) and np.all(np.isfinite(u))
