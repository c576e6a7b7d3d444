"""Chapter 2's self-checking exercise: a student's ``project``, the orthogonal projection onto ``1⟂``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import project
from .checking import Case, CheckResult, case_rng, run_cases

__all__ = ["check_project"]


def _project_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, x, dtype=np.float64):
        x = np.asarray(x, dtype=float).astype(dtype)
        cases.append(Case(prop, {"x": x}, project(x.astype(float))))

    x = rng.normal(size=int(rng.integers(5, 9)) if hidden else 6) + 5.0
    add("must remove the mean: the output sums to zero", x)
    add("must give ((a₁ − a₂)/2, (a₂ − a₁)/2) for N = 2", rng.normal(size=2) * 3 if hidden else np.array([3.0, -1.0]))
    add("must subtract the mean, not the median or the sum", np.array([0.0, 0.0, 0.0, rng.uniform(5, 20) if hidden else 10.0]))
    add("must be idempotent: a vector already ⟂ 1 is left unchanged", project(rng.normal(size=5)))
    add("must send a constant input to 0", np.full(4, rng.uniform(1, 4) if hidden else 2.5))
    add("must ignore a huge mean shift", rng.normal(size=5) + 1e6)
    widths = (3, 8, 64, 768) if not hidden else (int(rng.integers(3, 12)), int(rng.integers(65, 500)), 768)
    for n in widths:
        add(f"must match the projection on a random input (N = {n})", rng.normal(size=n) * rng.lognormal() + rng.normal())
    if hidden:
        add("must match the projection on a float32 input (N = 768)", rng.normal(1.0, 2.0, 768), dtype=np.float32)
        add("must match the projection on a float32 input (N = 2)", rng.normal(size=2), dtype=np.float32)
    return cases


def check_project(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_project(x)`` for 1-D ``x`` (exercise ``ex-proj-implement``).

    The answer must be the orthogonal projection of ``x`` onto the hyperplane ``1⟂``, shape
    ``(N,)``. Cases: the output sums to zero; N = 2; an input whose mean, median and sum
    differ; idempotence; a constant input; a huge mean; random inputs up to N = 768. Hidden
    cases: other inputs from ``seed``, float32 inputs.

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """
    mistakes = {
        "subtracting the sum instead of the mean": lambda x: x - x.sum(),
        "subtracting the median instead of the mean": lambda x: x - np.median(x),
        "dividing the sum by N − 1 instead of N": lambda x: x - x.sum() / (len(x) - 1),
        "normalising by σ too (that is LayerNorm with ε = 0, not the projection)": lambda x: (x - x.mean()) / x.std(),
    }
    return run_cases("project", student, _project_cases(seed, hidden), rtol=1e-9, atol=1e-9, mistakes=mistakes)
