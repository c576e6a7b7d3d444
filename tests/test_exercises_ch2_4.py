"""The self-checking exercises of chapters 2–4 accept right answers and name the property a wrong one breaks."""

from __future__ import annotations

import numpy as np
import pytest

from lngeo.exercises import check_hyperplane_normal, check_project, check_radial_fraction


# -- chapter 2: project ------------------------------------------------------------------------

def right_project(x):
    return x - x.mean()


def right_project_matrix(x):
    n = len(x)
    return (np.eye(n) - np.ones((n, n)) / n) @ x


WRONG_PROJECTS = {
    "forgets to divide by N": (lambda x: x - x.sum(), "sum instead of the mean"),
    "subtracts the median": (lambda x: x - np.median(x), "median instead of the mean"),
    "divides by N - 1": (lambda x: x - x.sum() / (len(x) - 1), "N − 1 instead of N"),
    "normalises too": (lambda x: (x - x.mean()) / x.std(), "not the projection"),
    "returns a scalar": (lambda x: float(np.sum(x - x.mean())), "expected shape"),
}


@pytest.mark.parametrize("student", [right_project, right_project_matrix])
def test_check_project_accepts_the_projection(student):
    result = check_project(student)
    assert result, result.message


@pytest.mark.parametrize("mistake", sorted(WRONG_PROJECTS))
def test_check_project_names_the_broken_property_and_input(mistake):
    student, words = WRONG_PROJECTS[mistake]
    result = check_project(student)
    assert not result
    assert words in result.message  # the mistake, named
    assert "must remove the mean" in result.message or "expected shape" in result.message  # the property
    assert "on x=" in result.message  # the input


def test_check_project_reports_a_crash_as_a_failure():
    def crashes(x):
        raise RuntimeError("boom")

    result = check_project(crashes)
    assert not result and "raised RuntimeError: boom" in result.message


# -- chapter 3: radial fraction -----------------------------------------------------------------

def right_radial_fraction(x, eps):
    v = x.var()
    return np.sqrt(v / (v + eps))


def right_radial_fraction_formula(x, eps):
    v = np.mean((x - x.mean()) ** 2)
    return 1.0 / np.sqrt(1.0 + eps / v) if v > 0 else 0.0


WRONG_RADIAL = {
    "unbiased variance": (lambda x, eps: np.sqrt(x.var(ddof=1) / (x.var(ddof=1) + eps)), "unbiased variance"),
    "eps outside the sqrt": (lambda x, eps: x.std() / (x.std() + eps), "ε outside the square root"),
    "forgets the square root": (lambda x, eps: x.var() / (x.var() + eps), "forgetting the square root"),
    "mean square instead of variance": (lambda x, eps: np.sqrt(np.mean(x**2) / (np.mean(x**2) + eps)), "mean was not subtracted"),
    "std instead of variance": (lambda x, eps: np.sqrt(x.std() / (x.std() + eps)), "σ in place of σ²"),
}


@pytest.mark.parametrize("student", [right_radial_fraction, right_radial_fraction_formula])
def test_check_radial_fraction_accepts_the_formula(student):
    with np.errstate(divide="ignore"):
        result = check_radial_fraction(student)
    assert result, result.message


@pytest.mark.parametrize("mistake", sorted(WRONG_RADIAL))
def test_check_radial_fraction_names_the_broken_property_and_input(mistake):
    student, words = WRONG_RADIAL[mistake]
    result = check_radial_fraction(student)
    assert not result
    assert words in result.message  # the mistake, named
    assert "must give r = 1/√2 when σ² = ε" in result.message  # the property of the first case
    assert "on x=" in result.message and "eps=" in result.message  # the input


def test_check_radial_fraction_catches_a_missing_mean_on_the_mean_case():
    student, _ = WRONG_RADIAL["mean square instead of variance"]
    result = check_radial_fraction(student)
    assert any("must ignore the input's mean" in f for f in result.failures)


# -- chapter 4: hyperplane normal ---------------------------------------------------------------

def right_normal(gain):
    g = np.asarray(gain, dtype=float)
    if np.any(g == 0):
        return (g == 0).astype(float)
    alpha = 1.0 / g
    alpha = alpha / np.abs(alpha).max()
    return alpha / np.linalg.norm(alpha)


def right_normal_other_sign(gain):
    return -right_normal(gain)


def naive_inverse(gain):
    alpha = 1.0 / np.asarray(gain, dtype=float)
    return alpha / np.linalg.norm(alpha)


WRONG_NORMALS = {
    "normal proportional to g": (lambda g: g / np.linalg.norm(g), "must be perpendicular to every output"),
    "not normalised": (lambda g: 1.0 / g, "unit length"),
    "absolute gains": (lambda g: (1 / np.abs(g)) / np.linalg.norm(1 / np.abs(g)), "sign of negative gains"),
}


@pytest.mark.parametrize("student", [right_normal, right_normal_other_sign])
def test_check_hyperplane_normal_accepts_either_sign(student):
    result = check_hyperplane_normal(student)
    assert result, result.message


@pytest.mark.parametrize("mistake", sorted(WRONG_NORMALS))
def test_check_hyperplane_normal_names_the_broken_property_and_input(mistake):
    student, words = WRONG_NORMALS[mistake]
    with np.errstate(divide="ignore", invalid="ignore"):
        result = check_hyperplane_normal(student)
    assert not result
    assert words in result.message
    assert "on gain=" in result.message


def test_check_hyperplane_normal_catches_a_zero_gain_and_overflow():
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = check_hyperplane_normal(naive_inverse)
    assert not result
    assert "exactly one gain" in result.message and "non-finite" in result.message
    assert any("must not overflow" in f for f in result.failures)
    assert len(result.failures) == 2  # everything else about 1/g is right
