"""Chapter 6's self-checking exercise: a student's ``jacobian``, LayerNorm's derivative."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..geometry import jacobian
from .checking import Case, CheckResult, _run_cases_diagnosed

__all__ = ["check_jacobian"]


def _jacobian_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases: list[Case] = []

    def add(prop, x, gain, eps, verify=None):
        x, gain = np.asarray(x, dtype=float), np.asarray(gain, dtype=float)
        cases.append(Case(prop, {"x": x, "gain": gain, "eps": eps}, jacobian(x, gain, eps=eps), verify))

    def kills(direction, what, hint):
        def verify(J):
            v = direction / np.linalg.norm(direction)
            size = float(np.linalg.norm(J @ v))
            scale = float(np.linalg.norm(J, 2))
            return None if size <= 1e-9 * max(scale, 1.0) else f"|J·{what}| = {size:.3g}, but it must be 0{hint}"
        return verify

    x = rng.normal(size=5) + 1.0
    add("forgets the mean: J·1 = 0", x, np.ones(5), 1e-5, kills(np.ones(5), "1", " (did you forget the projection Π?)"))
    add("with ε = 0 forgets the size: J·Πa = 0", x, np.ones(5), 0.0,
        kills(x - x.mean(), "Πa", " (did you forget the −z zᵀ/N term from differentiating 1/σ?)"))
    add("ε sits inside the square root, next to σ²", 0.05 * rng.normal(size=4), np.ones(4), 0.01)
    add("the gain scales the rows (outputs): J = G·(…), not (…)·G", x, np.array([2.0, 0.5, 1.0, -1.0, 3.0]), 1e-5)
    for n in (2, 3, 16):
        add("matches the Jacobian on a random input", rng.normal(size=n), rng.normal(1.0, 0.4, n), 1e-5)
    return cases


def check_jacobian(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``jacobian(x, gain, eps)``: the N × N matrix ``∂LN(x)_i/∂x_j`` for 1-D ``x``.

    .. math:: J = \frac{G}{\sqrt{\sigma^2 + \varepsilon}}\Big(\Pi - \frac{z z^\top}{N}\Big),
              \qquad z = \frac{x - \mu\mathbf 1}{\sqrt{\sigma^2 + \varepsilon}} .

    Cases: ``J·1 = 0`` (the projection), ``J·Πa = 0`` when ``ε = 0`` (the scaling), the gain
    on the output side, ``ε`` inside the square root, random inputs for N = 2, 3, 16. A failure
    that matches a classic mistake is named.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> def mine(x, gain, eps):
    ...     n = x.size
    ...     inv = 1 / np.sqrt(x.var() + eps)
    ...     z = (x - x.mean()) * inv
    ...     return gain[:, None] * inv * (np.eye(n) - 1 / n - np.outer(z, z) / n)
    >>> bool(check_jacobian(mine))
    True
    """

    def parts(x, gain, eps):
        n = x.size
        inv = 1.0 / np.sqrt(x.var() + eps)
        z = (x - x.mean()) * inv
        return n, inv, z, np.eye(n) - 1.0 / n

    def no_zz(x, gain, eps):
        n, inv, z, P = parts(x, gain, eps)
        return gain[:, None] * inv * P

    def gain_right(x, gain, eps):
        n, inv, z, P = parts(x, gain, eps)
        return inv * (P - np.outer(z, z) / n) * gain[None, :]

    def no_pi(x, gain, eps):
        n, inv, z, P = parts(x, gain, eps)
        return gain[:, None] * inv * (np.eye(n) - np.outer(z, z) / n)

    mistakes = {
        "leaving out the −z zᵀ/N term (differentiating only the numerator x − μ)": no_zz,
        "putting the gain on the input side, (Π − z zᵀ/N) G": gain_right,
        "forgetting that μ depends on x (I instead of Π)": no_pi,
    }
    return _run_cases_diagnosed("jacobian", student, _jacobian_cases(seed), mistakes, rtol=1e-7, atol=1e-9)
