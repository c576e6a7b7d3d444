"""Chapter 1's self-checking exercises: a student's LayerNorm, on one vector and batched."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import layer_norm
from .checking import Case, CheckResult, case_rng, run_cases

__all__ = ["check_layer_norm", "check_batched_layer_norm"]


def _moment_check(name: str, fn: Callable[[np.ndarray], float], want: float, hint: str, rtol: float = 1e-7):
    def verify(got: np.ndarray) -> str | None:
        value = fn(got)
        if np.isclose(value, want, rtol=rtol, atol=rtol * 1e-2):
            return None
        if abs(value - want) <= 1e-3 * max(1.0, abs(want)):  # a near miss: no conceptual hint
            return (f"{name} = {value:.6g}, close to {want:.6g} but off by more than float64 "
                    "rounding (is part of the computation in low precision, e.g. float16?)")
        return f"{name} = {value:.6g}, but it must be {want:.6g}{hint}"

    return verify


def _layer_norm_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, x, gain, bias, eps, verify=None, dtype=np.float64):
        x, gain, bias = (np.asarray(v, dtype=float).astype(dtype) for v in (x, gain, bias))
        eps = float(eps)
        expected = layer_norm(x.astype(float), gain.astype(float), bias.astype(float), eps=eps)
        cases.append(Case(prop, {"x": x, "gain": gain, "bias": bias, "eps": eps}, expected, verify))

    # Properties one at a time (g = 1, b = 0), so that a failure points at the property.
    n = int(rng.integers(6, 12)) if hidden else 8
    ones, zeros = np.ones(n), np.zeros(n)
    x = rng.normal(size=n) + 2.0
    add("must centre the input (output mean 0 when g = 1, b = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y)", np.mean, 0.0, " (is the mean subtracted?)"))
    add("must use the biased variance (mean(y²) = 1 when g = 1, b = 0, eps = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), 1.0,
                      f" (dividing by N - 1 instead of N would give exactly (N-1)/N = {(n - 1) / n:.6g})"))
    small = 0.05 * rng.normal(size=n)
    target = float(np.var(small) / (np.var(small) + 0.01))
    add("must add eps inside the square root, next to σ² (mean(y²) = σ²/(σ² + ε))", small, ones, zeros, 0.01,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), target, ""))
    add("must ignore the input's mean", x + (rng.uniform(500, 2000) if hidden else 1e3), ones, zeros, 1e-5)
    add("must apply gain and bias per neuron, after normalising", x, np.linspace(-2, 2, n), np.arange(float(n)), 1e-5)
    if hidden:
        add("must return exactly b for a constant input when eps > 0", np.full(4, rng.uniform(-5, 5)), rng.uniform(0.5, 3, 4), rng.normal(0, 1, 4), 1e-5)
    else:
        add("must return exactly b for a constant input when eps > 0", np.full(4, 3.0), np.array([1.0, 2, 3, 4]), np.array([0.5, -1, 0, 2]), 1e-5)
    add("must be scale invariant when eps = 0", 1e3 * x, ones, zeros, 0.0)
    widths = (2, 3, 5, 16, 64, 128, 768) if not hidden else (2, int(rng.integers(3, 9)), int(rng.integers(65, 300)), 384, 768)
    for width in widths:
        add(f"must match LayerNorm on a random input (N = {width})", rng.normal(size=width), rng.normal(1, 0.3, width), rng.normal(0, 0.5, width), 1e-5)
    if hidden:
        for width in (int(rng.integers(4, 40)), 768):
            add(f"must match LayerNorm on a float32 input (N = {width})", rng.normal(0.5, 2.0, width), rng.normal(1, 0.3, width),
                rng.normal(0, 0.5, width), 1e-5, dtype=np.float32)
        tiny = 0.003 * rng.normal(size=768)
        add("must put eps inside the square root on a real-width, small-variance input (N = 768)", tiny, np.ones(768), np.zeros(768), 1e-5)
    return cases


def _mistakes_1d() -> dict[str, Callable]:
    def ln(x, gain, bias, eps, var=None, centre=True):
        x = np.asarray(x, dtype=float)
        v = x.var() if var is None else var(x)
        return gain * ((x - x.mean()) if centre else x) / np.sqrt(v + eps) + bias

    return {
        "the unbiased variance (ddof=1, dividing by N − 1)": lambda x, g, b, e: ln(x, g, b, e, var=lambda x: x.var(ddof=1)),
        "ε outside the square root, (x − μ)/(σ + ε)": lambda x, g, b, e: g * (x - x.mean()) / (x.std() + e) + b,
        "forgetting to subtract the mean from x": lambda x, g, b, e: ln(x, g, b, e, centre=False),
        "RMSNorm (no mean subtracted anywhere)": lambda x, g, b, e: g * x / np.sqrt(np.mean(np.asarray(x, float) ** 2) + e) + b,
        "adding the bias before dividing": lambda x, g, b, e: (g * (x - x.mean()) + b) / np.sqrt(x.var() + e),
        "leaving out the bias": lambda x, g, b, e: g * (x - x.mean()) / np.sqrt(x.var() + e),
        "leaving out the gain": lambda x, g, b, e: (x - x.mean()) / np.sqrt(x.var() + e) + b,
        "the sum of squares instead of their mean (σ² without the 1/N)": lambda x, g, b, e: ln(x, g, b, e, var=lambda x: np.sum((x - x.mean()) ** 2)),
        "ignoring ε": lambda x, g, b, e: g * (x - x.mean()) / np.sqrt(x.var()) + b,
    }


def check_layer_norm(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_layer_norm(x, gain, bias, eps)`` for 1-D ``x`` (exercise ``ex-ln-implement``).

    The student's function is called positionally and must return LayerNorm of ``x`` with
    PyTorch's semantics, of shape ``(N,)``.

    Visible cases (``hidden=False``): one property at a time — the output is centred, has the
    right second moment, handles ``ε`` as PyTorch does, ignores the input's mean, applies gain
    and bias per neuron, returns ``b`` for a constant input, is scale-invariant when ``ε = 0``
    — then random inputs of widths 2 to 768. Hidden cases (``hidden=True``): the same
    properties on other inputs drawn from ``seed``, widths up to 768 and float32 inputs.

    Returns
    -------
    CheckResult
        Truthy iff every case passes; ``.score``, ``.report()`` and ``.message`` describe the
        failing cases, and name a classic mistake only when it reproduces every answer.
    """
    return run_cases("layer_norm", student, _layer_norm_cases(seed, hidden), rtol=1e-7, atol=1e-9, mistakes=_mistakes_1d())


def _batched_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, x, gain, bias, eps, dtype=np.float64):
        x, gain, bias = (np.asarray(v, dtype=float).astype(dtype) for v in (x, gain, bias))
        eps = float(eps)
        cases.append(Case(prop, {"x": x, "gain": gain, "bias": bias, "eps": eps},
                          layer_norm(x.astype(float), gain.astype(float), bias.astype(float), eps=eps)))

    def params(n):
        return rng.normal(1, 0.3, n), rng.normal(0, 0.5, n)

    n = 6
    add("must work on one vector, shape (N,)", rng.normal(size=n) + 1, *params(n), 1e-5)
    add("must normalise each row of a (B, N) batch along the last axis (not along the batch axis, as BatchNorm does)",
        rng.normal(size=(4, n)) * rng.lognormal(0, 1, (4, 1)) + rng.normal(0, 3, (4, 1)), *params(n), 1e-5)
    add("must normalise each row of a square (N, N) batch along the last axis", rng.normal(size=(n, n)) + np.arange(n)[:, None], *params(n), 1e-5)
    add("must keep the leading axes of a (2, 3, N) batch", rng.normal(size=(2, 3, n)), *params(n), 1e-5)
    add("must use the biased variance and ε inside the square root, row by row", 0.05 * rng.normal(size=(3, n)), np.ones(n), np.zeros(n), 0.01)
    add("must return b on a constant row when ε > 0", np.vstack([np.full(n, 2.0), rng.normal(size=n)]), *params(n), 1e-5)
    add("must handle a batch of one row, shape (1, N)", rng.normal(size=(1, 5)), *params(5), 1e-5)
    widths = (64, 768) if not hidden else (int(rng.integers(65, 400)), 768)
    for width in widths:
        add(f"must match LayerNorm on a (B, N) batch (N = {width})", rng.normal(size=(3, width)), *params(width), 1e-5)
    if hidden:
        add("must match LayerNorm on a (2, 5, N) float32 batch (N = 768)", rng.normal(0.3, 1.5, (2, 5, 768)), *params(768), 1e-5, dtype=np.float32)
        add("must match LayerNorm on a (B, N) batch with N = 2", rng.normal(size=(5, 2)), *params(2), 1e-5)
        add("must match LayerNorm on a (B, N) batch with B > N", rng.normal(size=(9, 3)), *params(3), 1e-5)
    return cases


def _mistakes_batched() -> dict[str, Callable]:
    def ln(x, g, b, e, axis=-1, ddof=0, centre=True, out=False):
        x = np.asarray(x, dtype=float)
        mu = x.mean(axis=axis, keepdims=True)
        v = x.var(axis=axis, keepdims=True, ddof=ddof)
        if out:
            return g * (x - mu) / (np.sqrt(v) + e) + b
        return g * ((x - mu) if centre else x) / np.sqrt(v + e) + b

    return {
        "normalising along the batch axis 0 (BatchNorm) instead of the last axis": lambda x, g, b, e: ln(x, g, b, e, axis=0),
        "normalising over all entries at once instead of each row": lambda x, g, b, e: ln(x, g, b, e, axis=None),
        "the unbiased variance (ddof=1, dividing by N − 1)": lambda x, g, b, e: ln(x, g, b, e, ddof=1),
        "ε outside the square root, (x − μ)/(σ + ε)": lambda x, g, b, e: ln(x, g, b, e, out=True),
        "RMSNorm (no mean subtracted anywhere)": lambda x, g, b, e: g * x / np.sqrt(np.mean(np.asarray(x, float) ** 2, axis=-1, keepdims=True) + e) + b,
    }


def check_batched_layer_norm(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_batched_layer_norm(x, gain, bias, eps)`` (exercise ``ex-batched-layer-norm``).

    ``x`` has shape ``(..., N)``: any number of leading (batch) axes; LayerNorm acts on each
    vector along the **last** axis, and the result has the shape of ``x``. Cases: one vector,
    ``(B, N)`` batches whose rows have different means and scales (normalising along the batch
    axis, as BatchNorm does, fails them), a square ``(N, N)`` batch, a ``(2, 3, N)`` batch, a
    constant row, ``(1, N)``, widths up to 768; hidden cases add float32 batches, ``N = 2``
    and ``B > N``.

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """
    return run_cases("batched_layer_norm", student, _batched_cases(seed, hidden), rtol=1e-7, atol=1e-9, mistakes=_mistakes_batched())
