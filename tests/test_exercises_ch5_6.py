"""Chapters 5-6 self-checkers accept right answers and name the subtle mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from lngeo.exercises import check_jacobian, check_semi_axes


# -- semi-axes ----------------------------------------------------------------------------------
def eig_m(gain, over_n=True):
    g = np.asarray(gain, dtype=float)
    return np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / (g.size if over_n else 1.0))


def semi_right(gain):
    g = np.asarray(gain, dtype=float)
    return np.sqrt(g.size * np.clip(eig_m(g)[1:], 0, None))[::-1]


def semi_svd(gain):
    g = np.asarray(gain, dtype=float)
    n = g.size
    q = np.linalg.svd(np.ones((1, n)))[2][1:]  # orthonormal basis of 1⟂
    sv = np.linalg.svd(g[:, None] * q.T, compute_uv=False)
    return np.sqrt(n) * sv


def semi_paper(gain):  # Π₂ G⁻² Π₂: right for nonzero gains, breaks on a zero gain
    g = np.asarray(gain, dtype=float)
    alpha = 1 / g
    alpha /= np.linalg.norm(alpha)
    p2 = np.eye(g.size) - np.outer(alpha, alpha)
    lam = np.linalg.eigvalsh(p2 @ np.diag(1 / g**2) @ p2)[1:]
    return np.sort(np.sqrt(g.size / lam))[::-1]


@pytest.mark.parametrize("student", [semi_right, semi_svd], ids=["eigh-of-M", "svd-of-GQ"])
def test_right_semi_axes_pass(student):
    result = check_semi_axes(student)
    assert result.passed, result.message


@pytest.mark.parametrize(
    ("wrong", "named"),
    [
        (lambda gain: np.sqrt(np.clip(eig_m(gain)[1:], 0, None))[::-1], "forgetting the factor √N"),
        (lambda gain: np.sqrt(len(gain) * np.clip(eig_m(gain)[1:], 0, None)), "ascending order"),
        (lambda gain: np.sqrt(len(gain) * np.clip(eig_m(gain, False)[1:], 0, None))[::-1], "dropping the 1/N"),
        (lambda gain: (np.sqrt(len(gain)) * np.sort(np.abs(gain))[::-1])[:-1], "not its slice"),
        (lambda gain: np.sqrt(len(gain) * np.clip(eig_m(gain), 0, None))[::-1], "expected shape"),
    ],
    ids=["no-sqrt-N", "ascending", "no-1/N", "unsliced-ellipsoid", "keeps-null-eigenvalue"],
)
def test_semi_axes_mistakes_are_named(wrong, named):
    result = check_semi_axes(wrong)
    assert not result.passed
    assert named in result.message
    assert "gain=" in result.message


def test_the_papers_inverse_fails_on_a_zero_gain():
    result = check_semi_axes(semi_paper)
    assert not result.passed
    assert "one zero gain" in result.message


def test_a_square_root_of_round_off_is_caught_on_two_zero_gains():
    def unclipped(gain):
        g = np.asarray(gain, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.sqrt(g.size * eig_m(g)[1:])[::-1]

    result = check_semi_axes(unclipped)
    # with exactly representable zero gains eigvalsh may return +0 or a tiny negative number;
    # whichever it is, a right answer passes and NaN is reported as non-finite
    if not result.passed:
        assert "two zero gains" in result.message and "non-finite" in result.message


# -- Jacobian -----------------------------------------------------------------------------------
def jac_parts(x, eps):
    n = x.size
    inv = 1 / np.sqrt(x.var() + eps)
    return n, inv, (x - x.mean()) * inv, np.eye(n) - 1 / n


def jac_right(x, gain, eps):
    n, inv, z, p = jac_parts(x, eps)
    return gain[:, None] * inv * (p - np.outer(z, z) / n)


def jac_finite_differences(x, gain, eps, h=1e-6):
    def ln(v):
        return gain * (v - v.mean()) / np.sqrt(v.var() + eps)

    return np.stack([(ln(x + h * e) - ln(x - h * e)) / (2 * h) for e in np.eye(x.size)], axis=1)


def test_right_jacobian_passes():
    assert check_jacobian(jac_right).passed


def test_a_careful_numerical_derivative_is_accepted_too():
    # central differences (error ~1e-10 here) are a right answer, not a formula to match
    assert check_jacobian(jac_finite_differences).passed


@pytest.mark.parametrize(
    ("wrong", "named"),
    [
        (lambda x, gain, eps: gain[:, None] * jac_parts(x, eps)[1] * jac_parts(x, eps)[3], "−z zᵀ/N term"),
        (lambda x, gain, eps: jac_right(x, np.ones_like(gain), eps) * gain[None, :], "gain on the input side"),
        (lambda x, gain, eps: gain[:, None] * jac_parts(x, eps)[1] * (np.eye(x.size) - np.outer(jac_parts(x, eps)[2], jac_parts(x, eps)[2]) / x.size), "I instead of Π"),
        (lambda x, gain, eps: jac_right(x, gain, eps).T, "gain"),
        (lambda x, gain, eps: jac_right(x, gain, 0.0 * eps + 1e-12) if eps else jac_right(x, gain, eps), "ε sits inside"),
    ],
    ids=["no-zzT", "gain-right", "no-Pi", "transposed", "eps-ignored"],
)
def test_jacobian_mistakes_fail_with_the_property(wrong, named):
    result = check_jacobian(wrong)
    assert not result.passed
    assert named in result.message
    assert "x=" in result.message


def test_forgetting_the_projection_is_caught_by_the_mean_direction():
    def no_pi(x, gain, eps):
        n, inv, z, _ = jac_parts(x, eps)
        return gain[:, None] * inv * (np.eye(n) - np.outer(z, z) / n)

    result = check_jacobian(no_pi)
    assert "J·1 = 0" in result.message and "I instead of Π" in result.message
