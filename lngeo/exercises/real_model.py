"""Chapter 7's self-checking exercise: a student's ``tilt_angle``, how far training tilted a LayerNorm's output plane."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model_geometry import tilt_angle
from .checking import Case, CheckResult, absolute_judge, case_rng, run_cases

__all__ = ["check_tilt_angle"]


def _tilt_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, gain, dtype=np.float64):
        gain = np.asarray(gain, dtype=float).astype(dtype)
        cases.append(Case(prop, {"gain": gain}, np.asarray(tilt_angle(gain.astype(float)))))

    def trained(n):
        return rng.lognormal(0.0, 0.35, n) * np.where(rng.random(n) < 0.05, -1, 1)

    if not hidden:
        add("equal gains keep the plane ⟂ 1: θ = 0", np.full(5, 1.7))
        add("the normal of the output plane, not the gain", [1.0, 1.0, 1.0, 4.0])
        add("θ is an angle between lines, at most 90°: equal negative gains give 0", np.full(4, -0.8))
        add("θ is at most 90° for negative gains of different sizes too", [-0.5, -1.0, -2.0])
        add("θ in degrees", [0.5, 1.0, 2.0])
        add("one zero gain g_j = 0", [1.2, 0.0, 0.8, 2.0])
        add("a gain of 1e-200 must not overflow", [1e-200, 1.0, 2.0])
        add("two zero gains: the normal space is span{e_j : g_j = 0}", [0.0, 0.0, 1.0, 1.0])
        for n in (16, 384):
            add(f"matches θ on random trained-looking gains (N = {n})", trained(n))
        return cases
    n = int(rng.integers(4, 9))
    add("equal gains keep the plane ⟂ 1: θ = 0", np.full(n, rng.uniform(0.3, 3)))
    add("the normal of the output plane, not the gain", rng.permutation(np.r_[np.ones(n - 1), rng.uniform(3, 6)]))
    add("θ is an angle between lines, at most 90°", np.full(n, -rng.uniform(0.5, 2.0)))
    add("θ is at most 90° for negative gains of different sizes too", -rng.uniform(0.3, 3.0, n))
    add("θ in degrees", rng.uniform(0.3, 3.0, 3))
    g = rng.uniform(0.5, 2.0, n)
    g[rng.integers(n)] = 0.0
    add("one zero gain g_j = 0", g)
    add("tiny gains must not overflow", rng.permutation([1e-250, 1.0, 2.0, 0.5]))
    g = rng.uniform(0.5, 2.0, n)
    g[rng.choice(n, 3, replace=False)] = 0.0
    add("three zero gains: the normal space is span{e_j : g_j = 0}", g)
    for n in (int(rng.integers(17, 300)), 384, 768):
        add(f"matches θ on random trained-looking gains (N = {n})", trained(n))
    # float32: a clearly tilted plane, where arccos is well conditioned
    add("matches θ on float32 gains (N = 768)", np.r_[rng.uniform(0.2, 0.4, 100), rng.uniform(1.5, 3.0, 668)], dtype=np.float32)
    return cases


def check_tilt_angle(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_tilt_angle(gain)`` (exercise ``ex-tilt-angle``).

    The answer is a number: the angle, in degrees, between the output set's normal space and
    the direction ``1`` — in ``[0, 90]``. Cases: equal gains, a gain that differs, equal
    negative gains, degrees, one and two zero gains, a gain of 1e-200, random gains up to
    N = 384 (hidden: other gains from ``seed``, N up to 768, float32). Answers must agree to
    1e-4 degrees (float32 cases and answers: 0.05 degrees).

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """

    def angle(cos):
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))

    def with_g(gain):
        g = np.asarray(gain, dtype=float)
        return angle(abs(g.sum()) / (np.sqrt(g.size) * np.linalg.norm(g)))

    def radians(gain):
        return np.radians(tilt_angle(np.asarray(gain, dtype=float)))

    def no_abs(gain):
        g = np.asarray(gain, dtype=float)
        a = 1.0 / g
        return angle(a.sum() / (np.sqrt(g.size) * np.linalg.norm(a)))

    def ones_not_unit(gain):
        g = np.asarray(gain, dtype=float)
        a = 1.0 / g
        return angle(abs(a.sum()) / np.linalg.norm(a))

    mistakes = {
        "a normal ∝ g instead of α ∝ 1/g": with_g,
        "returning radians instead of degrees": radians,
        "forgetting the absolute value |cos θ| (the angle between two lines is at most 90°)": no_abs,
        "using 1 instead of the unit vector 1/√N": ones_not_unit,
    }
    return run_cases("tilt_angle", student, _tilt_cases(seed, hidden), rtol=0.0, atol=1e-4, judge=absolute_judge,
                     mistakes=mistakes, tol32=(0.0, 0.05), tol32_by_inputs=False)
