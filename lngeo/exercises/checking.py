"""The machinery of every self-checking exercise: cases, verdicts, and the diagnosis of classic mistakes.

A checker builds a list of :class:`Case` objects (random inputs, then inputs chosen to catch the
usual mistakes), hands them to :func:`run_cases` with the student's function, and returns the
:class:`CheckResult`. ``_run_cases_diagnosed`` also names the classic mistake that reproduces
the first failure, when one does.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Case", "CheckResult", "run_cases"]


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
        # Darker shades of the palette's green and vermillion, on white in light and dark mode:
        # contrast 5.6:1 and 5.5:1 (WCAG AA needs 4.5:1).
        colour = "#00775A" if self.passed else "#B04A00"
        mark = "✔" if self.passed else "✘"
        return f'<p style="color:{colour};background:#fff;padding:0.1em 0.4em"><b>{mark} {html.escape(self.name)}</b>: {html.escape(self.message)}</p>'

    def __repr__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.message}"


def _fmt(value) -> str:
    arr = np.asarray(value)
    with np.printoptions(precision=4, threshold=8, edgeitems=3, suppress=False):
        return np.array2string(arr, separator=", ") if arr.ndim else repr(arr.item())


def _verdict(name: str, n_cases: int, failures: list[str]) -> CheckResult:
    """The :class:`CheckResult` for ``failures``: the first failure in full, then a count of the rest."""
    if failures:
        more = f" ({len(failures) - 1} more failing case(s))" if len(failures) > 1 else ""
        return CheckResult(name, False, n_cases, failures[0] + more, failures)
    return CheckResult(name, True, n_cases, f"all {n_cases} cases pass.")


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
    return _verdict(name, len(cases), failures)


def _run_cases_diagnosed(name: str, student: Callable, cases: list[Case], mistakes: dict[str, Callable], rtol: float, atol: float) -> CheckResult:
    """:func:`run_cases`, then name the classic mistake that reproduces the first failure, if any.

    ``mistakes`` maps a description ("the unbiased variance (divide by N − 1)") to a wrong
    implementation with the student's signature; if the student's answer on the first failing
    case equals one of them, the message says so.
    """
    result = run_cases(name, student, cases, rtol=rtol, atol=atol)
    if result:
        return result
    for case in cases:
        kwargs = {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in case.kwargs.items()}
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(student(**kwargs), dtype=float)
        except Exception:
            return result
        if got.shape == np.shape(case.expected) and np.allclose(got, case.expected, rtol=rtol, atol=atol):
            continue
        for description, wrong in mistakes.items():
            try:
                with np.errstate(all="ignore"):
                    w = np.asarray(wrong(**case.kwargs), dtype=float)
            except Exception:
                continue
            if w.shape == got.shape and np.allclose(got, w, rtol=1e-6, atol=1e-12, equal_nan=True):
                result.failures[0] += f". Diagnosis: that is exactly what {description} gives."
                more = f" ({len(result.failures) - 1} more failing case(s))" if len(result.failures) > 1 else ""
                result.message = result.failures[0] + more
                break
        return result
    return result
