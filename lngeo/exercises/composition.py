"""Chapter 1's self-checking exercise: a student's ``layer_norm`` against the standard formula."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import layer_norm
from .checking import Case, CheckResult, run_cases

__all__ = ["check_layer_norm"]


def _moment_check(name: str, fn: Callable[[np.ndarray], float], want: float, hint: str):
    def verify(got: np.ndarray) -> str | None:
        value = fn(got)
        if np.isclose(value, want, rtol=1e-7, atol=1e-9):
            return None
        return f"{name} = {value:.6g}, but it must be {want:.6g}{hint}"

    return verify


def _layer_norm_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases: list[Case] = []
    n = 8
    ones, zeros = np.ones(n), np.zeros(n)

    def add(prop, x, gain, bias, eps, verify=None):
        x = np.asarray(x, dtype=float)
        gain = np.asarray(gain, dtype=float)
        bias = np.asarray(bias, dtype=float)
        cases.append(Case(prop, {"x": x, "gain": gain, "bias": bias, "eps": eps}, layer_norm(x, gain, bias, eps=eps), verify))

    # Properties one at a time (g = 1, b = 0), so that a failure points at the mistake.
    x = rng.normal(size=n) + 2.0
    add("must centre the input (output mean 0 when g = 1, b = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y)", np.mean, 0.0, " (did you subtract the mean?)"))
    add("must use the biased variance (mean(y²) = 1 when g = 1, b = 0, eps = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), 1.0,
                      f" (a value of (N-1)/N = {(n - 1) / n:.6g} means you divided by N - 1)"))
    small = 0.05 * rng.normal(size=n)
    target = float(np.var(small) / (np.var(small) + 0.01))
    add("must add eps inside the square root (mean(y²) = σ²/(σ² + ε))", small, ones, zeros, 0.01,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), target, ""))
    add("must ignore the input's mean", x + 1e3, ones, zeros, 1e-5)
    add("must apply gain and bias per neuron, after normalising", x, np.linspace(-2, 2, n), np.arange(float(n)), 1e-5)
    add("must return exactly b for a constant input when eps > 0", np.full(4, 3.0), np.array([1.0, 2, 3, 4]), np.array([0.5, -1, 0, 2]), 1e-5)
    add("must be scale invariant when eps = 0", 1e3 * x, ones, zeros, 0.0)
    for width in (2, 3, 5, 16, 64):
        add("must match LayerNorm on a random input", rng.normal(size=width), rng.normal(1, 0.3, width), rng.normal(0, 0.5, width), 1e-5)
    return cases


def check_layer_norm(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``layer_norm(x, gain, bias, eps)`` for 1-D ``x``.

    .. math:: \mathrm{LN}(x) = g \odot \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + b

    Cases: random inputs for several ``N``, then the classic mistakes — the unbiased variance,
    ``ε`` outside the square root, a forgotten mean, gain and bias in the wrong place, a
    constant input.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> def mine(x, gain, bias, eps):
    ...     return gain * (x - x.mean()) / np.sqrt(x.var() + eps) + bias
    >>> bool(check_layer_norm(mine))
    True
    """
    return run_cases("layer_norm", student, _layer_norm_cases(seed))
