"""The self-checking exercises accept right answers and catch the classic mistakes precisely."""

from __future__ import annotations

import numpy as np
import pytest

from lngeo.exercises import check_layer_norm


def right(x, gain, bias, eps):
    return gain * (x - x.mean()) / np.sqrt(x.var() + eps) + bias


def test_a_correct_layer_norm_passes():
    result = check_layer_norm(right)
    assert result.passed and bool(result)
    assert "pass" in result.message


@pytest.mark.parametrize(
    ("wrong", "property_named"),
    [
        (lambda x, gain, bias, eps: gain * (x - x.mean()) / np.sqrt(x.var(ddof=1) + eps) + bias, "unbiased variance"),
        (lambda x, gain, bias, eps: gain * (x - x.mean()) / (np.sqrt(x.var()) + eps) + bias, "eps inside the square root"),
        (lambda x, gain, bias, eps: gain * x / np.sqrt(x.var() + eps) + bias, "subtract the mean"),
        (lambda x, gain, bias, eps: (gain * (x - x.mean()) + bias) / np.sqrt(x.var() + eps), "gain and bias"),
        (lambda x, gain, bias, eps: gain * (x - x.mean()) / np.sqrt(x.var() + eps), "gain and bias"),
    ],
    ids=["unbiased-variance", "eps-outside-sqrt", "no-centering", "bias-before-scaling", "no-bias"],
)
def test_classic_mistakes_fail_with_the_property_and_input(wrong, property_named):
    result = check_layer_norm(wrong)
    assert not result.passed and not bool(result)
    assert property_named in result.message
    assert "x=" in result.message


def test_chapter_ones_own_standard_function_passes_despite_its_parameter_names():
    def standard(a, g, b, eps):
        mu = a.mean(axis=-1, keepdims=True)
        var = a.var(axis=-1, keepdims=True)
        return g * (a - mu) / np.sqrt(var + eps) + b

    assert check_layer_norm(standard).passed
    assert check_layer_norm(standard, 9, hidden=True).passed


def test_eps_outside_the_square_root_is_caught_by_its_own_case():
    result = check_layer_norm(lambda x, gain, bias, eps: gain * (x - x.mean()) / (np.sqrt(x.var()) + eps) + bias)
    assert any("eps inside the square root" in f for f in result.failures)


def test_a_student_function_that_raises_is_reported_not_crashed():
    def broken(x, gain, bias, eps):
        raise ZeroDivisionError("oops")

    result = check_layer_norm(broken)
    assert not result.passed and "raised ZeroDivisionError: oops" in result.message


def test_wrong_shape_is_reported():
    result = check_layer_norm(lambda x, gain, bias, eps: float(right(x, gain, bias, eps).sum()))
    assert not result.passed and "expected shape" in result.message
