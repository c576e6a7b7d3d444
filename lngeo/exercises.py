"""Self-checking exercises: run a student's function on random and adversarial inputs.

Each ``check_…`` function calls the student's code on a list of :class:`Case` objects
(random inputs, then inputs chosen to catch the usual mistakes), compares with ``lngeo``'s
reference, and returns a :class:`CheckResult` that says either that everything passed or
exactly which property failed on which input.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .core import layer_norm

__all__ = ["Case", "CheckResult", "run_cases", "check_layer_norm"]


@dataclass(frozen=True)
class Case:
    """One input for a student's function and what it tests.

    Attributes
    ----------
    property : str
        The property this case checks, in words ("the output ignores the input's mean").
    kwargs : dict
        Keyword arguments passed to the student's function.
    expected : numpy.ndarray
        The right answer (from ``lngeo`` or from a hand derivation); the student's output
        must match it in shape and value.
    verify : callable, optional
        ``verify(got) -> str | None``: an extra property check on the (already shape-checked)
        output that returns a diagnosis when it fails ("mean(y²) = 0.875, not 1: …").
        When given, it replaces the value comparison, so a case can test one property alone.
    """

    property: str
    kwargs: dict
    expected: np.ndarray
    verify: Callable[[np.ndarray], str | None] | None = None


@dataclass
class CheckResult:
    """The verdict of a self-checking exercise; truthy when every case passed."""

    name: str
    passed: bool
    n_cases: int
    message: str
    failures: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        colour = "#009E73" if self.passed else "#D55E00"
        mark = "✔" if self.passed else "✘"
        return f'<p style="color:{colour}"><b>{mark} {html.escape(self.name)}</b>: {html.escape(self.message)}</p>'

    def __repr__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.message}"


def _fmt(value) -> str:
    arr = np.asarray(value)
    with np.printoptions(precision=4, threshold=8, edgeitems=3, suppress=False):
        return np.array2string(arr, separator=", ") if arr.ndim else repr(arr.item())


def run_cases(name: str, student: Callable, cases: Iterable[Case], rtol: float = 1e-7, atol: float = 1e-9) -> CheckResult:
    """Run ``student(**case.kwargs)`` on every case and compare with ``case.expected``.

    The first failing case is reported in full (the property, the input, what was expected,
    what came back); the count of all failing cases follows.
    """
    cases = list(cases)
    failures: list[str] = []
    for case in cases:
        inputs = ", ".join(f"{k}={_fmt(v)}" for k, v in case.kwargs.items())
        try:
            got = student(**{k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in case.kwargs.items()})
        except Exception as exc:  # the student's error is the verdict, not a crash
            failures.append(f"{case.property}: on {inputs} your function raised {type(exc).__name__}: {exc}")
            continue
        got_arr = np.asarray(got, dtype=float) if got is not None else None
        if got_arr is None or got_arr.shape != np.shape(case.expected):
            shape = None if got_arr is None else got_arr.shape
            failures.append(f"{case.property}: on {inputs} expected shape {np.shape(case.expected)}, got {shape}")
        elif not np.all(np.isfinite(got_arr)):
            failures.append(f"{case.property}: on {inputs} your function returned non-finite values {_fmt(got_arr)}")
        elif case.verify is not None:
            problem = case.verify(got_arr)
            if problem:
                failures.append(f"{case.property}: on {inputs} {problem}")
        elif not np.allclose(got_arr, case.expected, rtol=rtol, atol=atol):
            err = float(np.max(np.abs(got_arr - case.expected)))
            failures.append(
                f"{case.property}: on {inputs} expected {_fmt(case.expected)}, got {_fmt(got_arr)} (max error {err:.2e})"
            )
    if failures:
        more = f" ({len(failures) - 1} more failing case(s))" if len(failures) > 1 else ""
        return CheckResult(name, False, len(cases), failures[0] + more, failures)
    return CheckResult(name, True, len(cases), f"all {len(cases)} cases pass.")


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
    add("centres the input (output mean 0 when g = 1, b = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y)", np.mean, 0.0, " (did you subtract the mean?)"))
    add("uses the biased variance (mean(y²) = 1 when g = 1, b = 0, eps = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), 1.0,
                      f" (a value of (N-1)/N = {(n - 1) / n:.6g} means you divided by N - 1)"))
    small = 0.05 * rng.normal(size=n)
    target = float(np.var(small) / (np.var(small) + 0.01))
    add("adds eps inside the square root (mean(y²) = σ²/(σ² + ε))", small, ones, zeros, 0.01,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), target, ""))
    add("ignores the input's mean", x + 1e3, ones, zeros, 1e-5)
    add("applies gain and bias per neuron, after normalising", x, np.linspace(-2, 2, n), np.arange(float(n)), 1e-5)
    add("returns exactly b for a constant input when eps > 0", np.full(4, 3.0), np.array([1.0, 2, 3, 4]), np.array([0.5, -1, 0, 2]), 1e-5)
    add("is scale invariant when eps = 0", 1e3 * x, ones, zeros, 0.0)
    for width in (2, 3, 5, 16, 64):
        add("matches LayerNorm on a random input", rng.normal(size=width), rng.normal(1, 0.3, width), rng.normal(0, 0.5, width), 1e-5)
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
