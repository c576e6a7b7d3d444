"""Chapter 2's self-checking exercise: a student's ``project``, the orthogonal projection onto ``1⟂``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import project
from .checking import Case, CheckResult, _run_cases_diagnosed

__all__ = ["check_project"]


def _project_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases: list[Case] = []

    def add(prop, x):
        x = np.asarray(x, dtype=float)
        cases.append(Case(prop, {"x": x}, project(x)))

    x = rng.normal(size=6) + 5.0
    add("must remove the mean: Πx = x − mean(x)·1 sums to zero", x)
    add("must give Π(a₁, a₂) = ((a₁ − a₂)/2, (a₂ − a₁)/2) for N = 2", np.array([3.0, -1.0]))
    add("must subtract the mean (the sum divided by N), not the median or the sum", np.array([0.0, 0.0, 0.0, 10.0]))
    add("must be idempotent: a vector already ⟂ 1 is left unchanged (Π² = Π)", project(rng.normal(size=5)))
    add("must send a constant input to 0 (Π1 = 0)", np.full(4, 2.5))
    add("must ignore a huge mean shift (Π(x + c1) = Πx)", rng.normal(size=5) + 1e6)
    for n in (3, 8, 64):
        add("must match Πx on a random input", rng.normal(size=n) * rng.lognormal() + rng.normal())
    return cases


def check_project(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``project(x)`` (1-D ``x``): the orthogonal projection onto ``1⟂``.

    .. math:: \Pi x = x - \mu(x)\,\mathbf 1, \qquad \Pi = I - \tfrac1N \mathbf 1\mathbf 1^\top .

    Cases, in order: the output must sum to zero; N = 2 by hand; the mean, not the median or
    the sum; idempotence; a constant input; a huge mean; random inputs of several widths.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> bool(check_project(lambda x: x - x.mean()))
    True
    >>> print(check_project(lambda x: x - x.sum()))  # doctest: +ELLIPSIS
    must remove the mean: Πx = x − mean(x)·1 sums to zero: on x=... expected ..., got ...
    """
    mistakes = {
        "subtracting the sum instead of the mean (divide the sum by N)": lambda x: x - x.sum(),
        "subtracting the median instead of the mean": lambda x: x - np.median(x),
        "dividing the sum by N − 1 instead of N": lambda x: x - x.sum() / (len(x) - 1),
        "normalising (x − μ)/σ — that is LayerNorm, not the projection": lambda x: (x - x.mean()) / x.std(),
    }
    return _run_cases_diagnosed("project", student, _project_cases(seed), mistakes, rtol=1e-9, atol=1e-9)
