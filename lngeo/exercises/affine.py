"""Chapter 4's self-checking exercise: a student's ``hyperplane_normal``, the normal of the tilted output plane."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..geometry import hyperplane_normal
from .checking import (Case, CheckResult, _fmt, allclose_scaled, case_rng, run_cases,
                       shape_and_finiteness)

__all__ = ["check_hyperplane_normal"]


def _normal_judge(got: np.ndarray, expected, rtol: float, atol: float, case=None) -> str | None:
    """Equal up to sign; a non-unit answer to a unit question is named as such."""
    problem, got, expected = shape_and_finiteness(got, expected, "a vector of shape")
    if problem is not None:
        return problem
    with np.errstate(all="ignore"):
        length, want = float(np.linalg.norm(got)), float(np.linalg.norm(expected))
        sign = 1.0 if float(got @ expected) >= 0 else -1.0
    if allclose_scaled(sign * got, expected, rtol, atol):
        return None
    if np.isclose(want, 1.0) and not np.isclose(length, 1.0, rtol=max(rtol, 1e-9)):
        return f"the normal must have unit length, got |n| = {length:.6g}"
    cos = abs(float(got @ expected)) / (length * want) if length and want else 0.0
    angle = np.degrees(np.arccos(min(cos, 1.0)))
    return f"expected ±{_fmt(expected)}, got {_fmt(got)} (angle to the true normal {angle:.2f}°)"


def _normal_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, gain, dtype=np.float64):
        gain = np.asarray(gain, dtype=float).astype(dtype)
        cases.append(Case(prop, {"gain": gain}, np.asarray(hyperplane_normal(gain.astype(float)), dtype=float)))

    if not hidden:
        add("must be perpendicular to every output, so along 1/g (not g)", [2.0, 1.0, 0.5])
        add("must have unit length", [1.0, 1.0, 1.0])
        add("must keep the sign of negative gains", [1.5, -0.7, 0.4])
        add("must be e_j when exactly one gain g_j = 0 (the outputs satisfy y_j = b_j)", [1.2, 0.0, 0.8])
        add("must be right for N = 2", [0.5, 2.0])
        add("must not overflow on tiny and huge gains", [1e-200, 1.0, 1e200])
        for n in (4, 64, 768):
            add(f"must be the unit normal on random gains (N = {n})", rng.normal(1.0, 0.5, n))
        return cases
    n = int(rng.integers(3, 8))
    add("must be perpendicular to every output, so along 1/g (not g)", rng.uniform(0.3, 3.0, n))
    add("must have unit length", np.full(n, rng.uniform(0.5, 2)))
    g = rng.uniform(0.3, 2.0, n) * np.where(np.arange(n) % 2, -1, 1)
    add("must keep the sign of negative gains", g)
    g = rng.uniform(0.5, 2.0, n)
    g[rng.integers(n)] = 0.0
    add("must be e_j when exactly one gain g_j = 0", g)
    add("must be right for N = 2", rng.uniform(0.2, 3.0, 2))
    add("must not overflow on tiny and huge gains", rng.permutation([1e-250, 1.0, 3e250, 2.0]))
    for n in (int(rng.integers(65, 400)), 384, 768):
        add(f"must be the unit normal on random gains (N = {n})", rng.lognormal(0.0, 0.35, n) * np.where(rng.random(n) < 0.05, -1, 1))
    add("must be the unit normal on float32 gains (N = 768)", rng.lognormal(0.0, 0.35, 768), dtype=np.float32)
    return cases


def check_hyperplane_normal(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_normal(gain)``: the unit normal of LayerNorm's output plane (exercise ``ex-affine-implement``).

    Either sign is accepted. When exactly one gain is zero the expected answer is the unit
    vector of that neuron. Each case checks one property and reports it by name: a finite
    vector of shape (N,), unit length, perpendicular to actual LayerNorm outputs, the sign of
    negative gains, a zero gain, N = 2, tiny and huge gains, and random gains up to N = 768.
    Hidden cases: other gains drawn from ``seed``, float32 gains.

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """

    def unit(v):
        with np.errstate(all="ignore"):
            return v / np.linalg.norm(v)

    mistakes = {
        "a normal along g instead of along 1/g": lambda g: unit(np.asarray(g, float)),
        "1/g without normalising it to unit length": lambda g: 1.0 / np.asarray(g, float),
        "1/|g| (the signs of negative gains were dropped)": lambda g: unit(1.0 / np.abs(np.asarray(g, float))),
        "the direction 1/√N of the untilted plane (the gain was ignored)": lambda g: np.ones(len(g)) / np.sqrt(len(g)),
    }
    return run_cases("hyperplane_normal", student, _normal_cases(seed, hidden), rtol=1e-7, atol=1e-9,
                     judge=_normal_judge, mistakes=mistakes, tol32=(2e-4, 2e-5))
