"""Chapter 4's self-checking exercise: a student's ``hyperplane_normal``, the normal of the tilted output plane."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..geometry import hyperplane_normal
from .checking import CheckResult, _fmt, _verdict

__all__ = ["check_hyperplane_normal"]


def _reference_normal(gain: np.ndarray) -> np.ndarray:
    return np.asarray(hyperplane_normal(gain), dtype=float)


def check_hyperplane_normal(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``hyperplane_normal(gain)``: the unit normal of LayerNorm's output plane.

    Every output satisfies :math:`\alpha\cdot(y - b) = 0` with :math:`\alpha_n = 1/g_n`, so the
    unit normal is :math:`\pm\alpha/|\alpha|` (either sign is accepted); when exactly one gain
    :math:`g_j` is zero the outputs satisfy :math:`y_j = b_j` and the normal is :math:`e_j`.

    Each case checks one property and reports it by name: a finite vector of shape (N,), unit
    length, perpendicular to actual LayerNorm outputs (which catches a normal ∝ g),
    the sign of negative gains, a zero gain, N = 2 and a wide layer.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> def mine(gain):
    ...     g = np.asarray(gain, dtype=float)
    ...     if np.any(g == 0):
    ...         return (g == 0).astype(float)
    ...     alpha = 1 / g
    ...     alpha = alpha / np.abs(alpha).max()  # so that squaring cannot overflow
    ...     return alpha / np.linalg.norm(alpha)
    >>> bool(check_hyperplane_normal(mine))
    True
    >>> print(check_hyperplane_normal(lambda gain: gain / np.linalg.norm(gain)))  # doctest: +ELLIPSIS
    must be perpendicular to every output...
    """
    rng = np.random.default_rng(seed)
    cases: list[tuple[str, np.ndarray]] = [
        ("must be perpendicular to every output, α·(y − b) = 0 (so α ∝ 1/g, not ∝ g)", np.array([2.0, 1.0, 0.5])),
        ("must have unit length", np.array([1.0, 1.0, 1.0])),
        ("must keep the sign of negative gains (α_n = 1/g_n, not 1/|g_n|)", np.array([1.5, -0.7, 0.4])),
        ("must be e_j when exactly one gain g_j = 0 (the outputs satisfy y_j = b_j)", np.array([1.2, 0.0, 0.8])),
        ("must be ∝ (1/g₁, 1/g₂) for N = 2", np.array([0.5, 2.0])),
        ("must not overflow on tiny and huge gains (rescale 1/g before squaring)", np.array([1e-200, 1.0, 1e200])),
    ]
    for n in (4, 64):
        cases.append(("must be the unit normal on random gains", rng.normal(1.0, 0.5, n)))
    failures: list[str] = []
    for prop, gain in cases:
        where = f"on gain={_fmt(gain)}"
        expected = _reference_normal(gain)
        try:
            with np.errstate(all="ignore"):  # a non-finite answer is reported below
                got = student(np.array(gain, copy=True))
        except Exception as exc:
            failures.append(f"{prop}: {where} your function raised {type(exc).__name__}: {exc}")
            continue
        got = None if got is None else np.asarray(got, dtype=float)
        if got is None or got.shape != gain.shape:
            failures.append(f"{prop}: {where} expected a vector of shape {gain.shape}, got {None if got is None else got.shape}")
            continue
        if not np.all(np.isfinite(got)):
            failures.append(f"{prop}: {where} your function returned non-finite values {_fmt(got)}")
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            length = float(np.linalg.norm(got))
        if not np.isclose(length, 1.0, rtol=1e-9):
            failures.append(f"{prop}: {where} the normal must have unit length, got |n| = {length:.6g}")
            continue
        sign = 1.0 if float(got @ expected) >= 0 else -1.0
        if not np.allclose(sign * got, expected, rtol=1e-7, atol=1e-9):
            cos = abs(float(got @ expected))
            failures.append(
                f"{prop}: {where} expected ±{_fmt(expected)}, got {_fmt(got)} "
                f"(angle to the true normal {np.degrees(np.arccos(min(cos, 1.0))):.2f}°)"
            )
    return _verdict("hyperplane_normal", len(cases), failures)
