"""Chapter 5's self-checking exercise: a student's ``semi_axes``, the lengths of the output ellipsoid's axes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..geometry import semi_axes
from .checking import Case, CheckResult, _run_cases_diagnosed

__all__ = ["check_semi_axes"]


def _semi_axes_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases: list[Case] = []

    def add(prop, gain):
        gain = np.asarray(gain, dtype=float)
        cases.append(Case(prop, {"gain": gain}, semi_axes(gain)))

    add("N = 2: the one semi-axis is |g| = √(g₁² + g₂²)", [1.0, 2.0])
    add("N − 1 semi-axes s_k = √(N μ_k), largest first", [0.5, 1.0, 2.0, 3.0])
    add("negative gains: the same semi-axes as |g| (the set is only mirrored)", [1.5, -0.7, 0.4, -2.0])
    add("one zero gain: still N − 1 positive semi-axes (no inverse of G is needed)", [1.2, 0.0, 0.8, 2.0])
    add("two zero gains: one semi-axis collapses to exactly 0 (clip round-off before the square root)", [1.2, 0.0, 0.0, 2.0])
    add("a gain repeated m times gives a semi-axis √N|g| repeated m − 1 times", [1.0, 1.0, 1.0, 2.0])
    for n in (16, 100):
        add("matches the semi-axes on random gains", rng.normal(1.0, 0.4, n))
    return cases


def check_semi_axes(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``semi_axes(gain)``: the N − 1 semi-axes of the output ellipsoid, descending.

    .. math:: M = G^2 - \tfrac1N g g^\top, \qquad s_k = \sqrt{N \mu_k}
              \ \text{for the } N-1 \text{ largest eigenvalues } \mu_k \text{ of } M .

    Cases: N = 2 (one semi-axis, ``|g|``), the order and the factor ``√N``, negative gains,
    one zero gain (an inverse of ``G`` fails here), two zero gains (a collapsed semi-axis that
    round-off can make the square root of a tiny negative number), repeated gains, and random
    gains up to N = 100. A failure that matches a classic mistake is named.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> def mine(gain):
    ...     g = np.asarray(gain, dtype=float)
    ...     mu = np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / g.size)
    ...     return np.sqrt(g.size * np.clip(mu[1:], 0, None))[::-1]
    >>> bool(check_semi_axes(mine))
    True
    """

    def eig(gain, scale_outer=True):
        g = np.asarray(gain, dtype=float)
        n = g.size
        return np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / (n if scale_outer else 1.0))

    mistakes = {
        "forgetting the factor √N (√μ_k instead of √(N μ_k))": lambda gain: np.sqrt(np.clip(eig(gain)[1:], 0, None))[::-1],
        "ascending order (the book lists semi-axes largest first)": lambda gain: np.sqrt(len(gain) * np.clip(eig(gain)[1:], 0, None)),
        "dropping the 1/N in M = G² − g gᵀ/N": lambda gain: np.sqrt(len(gain) * np.clip(eig(gain, False)[1:], 0, None))[::-1],
        "taking the largest N − 1 values of √N|g_n| (the N-dimensional ellipsoid, not its slice)": lambda gain: (np.sqrt(len(gain)) * np.sort(np.abs(gain))[::-1])[:-1],
    }
    return _run_cases_diagnosed("semi_axes", student, _semi_axes_cases(seed), mistakes, rtol=1e-8, atol=1e-9)
