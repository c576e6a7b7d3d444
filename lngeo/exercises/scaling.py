"""Chapter 3's self-checking exercise: a student's ``radial_fraction``, how close LayerNorm gets to the sphere."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import radial_fraction
from .checking import Case, CheckResult, case_rng, run_cases

__all__ = ["check_radial_fraction"]


def _radial_fraction_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, x, eps, dtype=np.float64):
        x = np.asarray(x, dtype=float).astype(dtype)
        cases.append(Case(prop, {"x": x, "eps": float(eps)}, np.asarray(radial_fraction(x.astype(float), eps=float(eps)))))

    x = rng.normal(size=int(rng.integers(5, 10)) if hidden else 6)
    sigma2 = float(np.var(x))
    add("must give r = 1/√2 when σ² = ε", x, sigma2)
    add("must use the biased variance, dividing by N", x, 0.5 * sigma2)
    add("must ignore the input's mean (σ² is measured about μ)", x + (rng.uniform(10, 50) if hidden else 30.0), 0.5 * sigma2)
    add("must be 1 when ε = 0", x, 0.0)
    add("must be 0 for a constant input when ε > 0", np.full(5, rng.uniform(-3, 3) if hidden else 1.7), 1e-5)
    add("must depend on σ²/ε only: scaling x by 10 and ε by 100 changes nothing", 10 * x, 50.0 * sigma2)
    add("must give r ≈ 0.5 for σ = 0.00183, ε = 1e-5 (N = 768)", 0.00183 * rng.normal(size=768), 1e-5)
    widths = (2, 3, 16, 768) if not hidden else (2, int(rng.integers(3, 64)), int(rng.integers(65, 500)), 768)
    for n in widths:
        add(f"must match r on a random input (N = {n})", rng.normal(size=n) * rng.lognormal(-2, 2), 1e-5)
    if hidden:
        add("must match r on a float32 input (N = 768)", 0.004 * rng.normal(size=768), 1e-5, dtype=np.float32)
        add("must match r on a float32 input (N = 384)", rng.normal(size=384), 1e-5, dtype=np.float32)
    return cases


def check_radial_fraction(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_radial_fraction(x, eps)`` for 1-D ``x`` (exercise ``ex-scale-implement``).

    The answer is a number: the normalised radius ``r`` at which LayerNorm's scaling puts
    ``x`` (1 on the sphere, less inside it). Cases probe how ``ε`` and the variance enter, the
    input's mean, ``ε = 0``, a constant input, the ``σ²/ε`` scaling law and widths up to 768;
    hidden cases use other inputs from ``seed`` and float32 inputs.

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """
    mistakes = {
        "the unbiased variance (ddof=1, dividing by N − 1) instead of the biased one": lambda x, eps: np.sqrt(x.var(ddof=1) / (x.var(ddof=1) + eps)),
        "putting ε outside the square root, σ/(σ + ε)": lambda x, eps: x.std() / (x.std() + eps),
        "forgetting the square root, σ²/(σ² + ε)": lambda x, eps: x.var() / (x.var() + eps),
        "the mean square instead of the variance (the mean was not subtracted)": lambda x, eps: np.sqrt(np.mean(x**2) / (np.mean(x**2) + eps)),
        "σ in place of σ², √(σ/(σ + ε))": lambda x, eps: np.sqrt(x.std() / (x.std() + eps)),
    }
    return run_cases("radial_fraction", student, _radial_fraction_cases(seed, hidden), rtol=1e-8, atol=1e-12, mistakes=mistakes)
