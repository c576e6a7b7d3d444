"""Chapter 3's self-checking exercise: a student's ``radial_fraction``, how close LayerNorm gets to the sphere."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import radial_fraction
from .checking import Case, CheckResult, _run_cases_diagnosed

__all__ = ["check_radial_fraction"]


def _radial_fraction_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases: list[Case] = []

    def add(prop, x, eps):
        x = np.asarray(x, dtype=float)
        cases.append(Case(prop, {"x": x, "eps": eps}, np.asarray(radial_fraction(x, eps=eps))))

    x = rng.normal(size=6)
    sigma2 = float(np.var(x))
    add("must give r = 1/√2 when σ² = ε (ε inside the square root: r = 1/√(1 + ε/σ²))", x, sigma2)
    add("must use the biased variance σ² = mean((x − μ)²), dividing by N", x, 0.5 * sigma2)
    add("must ignore the input's mean (σ² is measured about μ)", x + 30.0, 0.5 * sigma2)
    add("must be 1 when ε = 0", x, 0.0)
    add("must be 0 for a constant input when ε > 0", np.full(5, 1.7), 1e-5)
    add("must depend on σ²/ε only: scaling x by 10 and ε by 100 changes nothing", 10 * x, 50.0 * sigma2)
    add("must give r ≈ 0.5 for σ = 0.00183, ε = 1e-5 (N = 768)", 0.00183 * rng.normal(size=768), 1e-5)
    for n in (2, 3, 16, 768):
        add("must match r on a random input", rng.normal(size=n) * rng.lognormal(-2, 2), 1e-5)
    return cases


def check_radial_fraction(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``radial_fraction(x, eps)`` (1-D ``x``; returns a float).

    .. math:: r = \frac{1}{\sqrt{1 + \varepsilon/\sigma^2}} = \sqrt{\frac{\sigma^2}{\sigma^2 + \varepsilon}},
              \qquad \sigma^2 = \tfrac1N \textstyle\sum_n (x_n - \mu)^2 .

    Cases catch ε outside the square root, the unbiased variance, a forgotten mean, ε = 0,
    a constant input, the σ²/ε scaling law, then random inputs up to N = 768.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> bool(check_radial_fraction(lambda x, eps: np.sqrt(x.var() / (x.var() + eps))))
    True
    """
    mistakes = {
        "the unbiased variance (ddof=1, dividing by N − 1) instead of the biased one": lambda x, eps: np.sqrt(x.var(ddof=1) / (x.var(ddof=1) + eps)),
        "putting ε outside the square root, σ/(σ + ε)": lambda x, eps: x.std() / (x.std() + eps),
        "forgetting the square root, σ²/(σ² + ε)": lambda x, eps: x.var() / (x.var() + eps),
        "the mean square instead of the variance (the mean was not subtracted)": lambda x, eps: np.sqrt(np.mean(x**2) / (np.mean(x**2) + eps)),
        "σ in place of σ², √(σ/(σ + ε))": lambda x, eps: np.sqrt(x.std() / (x.std() + eps)),
    }
    return _run_cases_diagnosed("radial_fraction", student, _radial_fraction_cases(seed), mistakes, rtol=1e-8, atol=1e-12)
