"""Chapter 7's self-checking exercise: a student's ``tilt_angle``, how far training tilted a LayerNorm's output plane."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model_geometry import tilt_angle
from .checking import Case, CheckResult, _run_cases_diagnosed

__all__ = ["check_tilt_angle"]


def _tilt_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases: list[Case] = []

    def add(prop, gain):
        gain = np.asarray(gain, dtype=float)
        cases.append(Case(prop, {"gain": gain}, np.asarray(tilt_angle(gain))))

    add("equal gains keep the plane ⟂ 1: θ = 0", np.full(5, 1.7))
    add("the normal is α ∝ 1/g, not ∝ g", [1.0, 1.0, 1.0, 4.0])
    add("θ is an angle between lines, at most 90° (use |cos θ|): equal negative gains give 0", np.full(4, -0.8))
    add("θ in degrees", [0.5, 1.0, 2.0])
    add("one zero gain g_j = 0: the normal is e_j, so cos θ = 1/√N", [1.2, 0.0, 0.8, 2.0])
    add("a gain of 1e-200 must not overflow (rescale α before squaring it)", [1e-200, 1.0, 2.0])
    add("two zero gains: the normal space is span{e_j : g_j = 0}, so cos θ = |V 1̂| = √(k/N)", [0.0, 0.0, 1.0, 1.0])
    for n in (16, 384):
        add("matches θ on random trained-looking gains", rng.lognormal(0.0, 0.35, n) * np.where(rng.random(n) < 0.05, -1, 1))
    return cases


def check_tilt_angle(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``tilt_angle(gain)``: degrees between the output set's normal and ``1``.

    .. math:: \cos\theta = \big|V\,\hat{\mathbf 1}\big| = \frac{|\sum_n 1/g_n|}{\sqrt N\,|\alpha|}
              \quad (\alpha_n = 1/g_n,\ \text{no zero gain}),

    with ``V`` the orthonormal rows of the normal space: ``α/|α|``, or ``e_j`` for each zero
    gain. Cases: equal gains (0°), ``1/g`` versus ``g``, equal negative gains (an angle between
    lines is at most 90°), degrees, one and two zero gains, a gain of 1e-200, random gains up
    to N = 384; answers must agree to 1e-4 degrees (``arccos`` near 1 loses digits). A
    failure that matches a classic mistake is named.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> def mine(gain):
    ...     g = np.asarray(gain, dtype=float)
    ...     zero = g == 0
    ...     if zero.any():
    ...         return np.degrees(np.arccos(np.sqrt(zero.sum() / g.size)))
    ...     alpha = np.abs(g).min() / g          # rescaled: no overflow
    ...     cos = abs(alpha.sum()) / (np.sqrt(g.size) * np.linalg.norm(alpha))
    ...     return np.degrees(np.arccos(min(cos, 1.0)))
    >>> bool(check_tilt_angle(mine))
    True
    """

    def angle(cos):
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))

    def with_g(gain):
        g = np.asarray(gain, dtype=float)
        return angle(abs(g.sum()) / (np.sqrt(g.size) * np.linalg.norm(g)))

    def radians(gain):
        return np.radians(tilt_angle(gain))

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
    return _run_cases_diagnosed("tilt_angle", student, _tilt_cases(seed), mistakes, rtol=1e-7, atol=1e-4)
