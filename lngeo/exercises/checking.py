"""The machinery of every self-checking exercise: cases, safe calls, verdicts, diagnoses.

A checker builds a list of :class:`Case` objects (random inputs, then inputs chosen to catch
the usual mistakes) and hands them to :func:`run_cases` with the student's function. The
machinery promises feedback that is never wrong:

* **Positional calls.** The student's function is called with the case's arguments
  *positionally*, in the order the exercise states (``my_layer_norm(x, gain, bias, eps)``),
  so any parameter names work (chapter 1's ``standard(a, g, b, eps)`` included). A signature
  that cannot take that many positional arguments is reported as a signature mismatch, once,
  before anything runs.
* **Safe calls.** Every call gets fresh copies of the inputs and a time limit
  (:data:`TIMEOUT_S` seconds). On the main thread of a POSIX process (a Jupyter kernel,
  pytest) an interval timer (``signal.setitimer``) interrupts a function that does not
  return; elsewhere the call runs in a daemon thread that is abandoned after the limit. In the
  browser (JupyterLite's Pyodide, which has neither) the call runs without a limit. An
  input changed in place by the student's function fails the case with a message saying so,
  even when the returned value is right.
* **Any numeric return.** numpy arrays, Python numbers, lists of numbers and torch tensors
  (also ones that require grad: their values are judged, their autograd graph is not) are
  accepted. ``None``, strings, dicts, sets, generators, ``...``, ragged lists, object arrays
  and complex numbers fail the case with a message that names what came back.
* **Dtype-aware tolerance.** Cases whose inputs are float32, and float32 answers (a student
  who computes in float32, e.g. with a default torch tensor), are judged with a float32
  tolerance (:data:`FLOAT32_TOL`), and the verdict says so. A float32 answer that misses
  that tolerance by less than a factor 100 is reported as a possible precision problem,
  never as a conceptual mistake, and is left out of diagnoses.
* **Diagnoses only when they are true.** A named classic mistake is reported only when the
  wrong implementation agrees with the student's answer on *every* case where the student
  returned a number of the right shape, and differs from the right answer on at least two
  of them. A coincidence on one case (``N = 2``, ``g = 1``, an overflow) is not enough.

A :class:`CheckResult` is truthy iff every case passed; ``.score`` is the fraction of cases
passed and ``.report()`` gives per-case feedback for a grader's report.
"""

from __future__ import annotations

import html
import inspect
import signal
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .._checks import as_count, as_flag

__all__ = ["Case", "CaseOutcome", "CheckResult", "run_cases", "TIMEOUT_S"]

#: Seconds one call of the student's function may take before the case fails.
TIMEOUT_S: float = 20.0

#: Default tolerances ``(rtol, atol)`` for float32 cases; ``atol`` is relative to the largest
#: entry of the right answer (at least 1).
FLOAT32_TOL: tuple[float, float] = (2e-4, 2e-5)


@dataclass(frozen=True)
class Case:
    """One input for a student's function and what it tests.

    Attributes
    ----------
    property : str
        The property this case checks, in words ("the output ignores the input's mean").
    kwargs : dict
        The arguments, in the order the exercise states them; they are passed to the
        student's function **positionally** (the names are only for messages).
    expected : object
        The right answer (from ``lngeo`` or from a hand derivation).
    verify : callable, optional
        ``verify(got) -> str | None``: an extra property check on the (already converted and
        shape-checked) output that returns a description of the problem when it fails. When
        given, it replaces the value comparison, so a case can test one property alone.
    """

    property: str
    kwargs: dict
    expected: object
    verify: Callable[[np.ndarray], str | None] | None = None

    @property
    def float32(self) -> bool:
        """True when an array input is float32 (the case is judged at float32 precision)."""
        return any(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in self.kwargs.values())


@dataclass
class CaseOutcome:
    """What happened on one case: ``passed``, and otherwise a ``message`` and a ``kind``.

    ``kind`` is one of ``"pass"``, ``"value"`` (a wrong number), ``"precision"`` (right only
    to float32 precision), ``"shape"``, ``"type"`` (an unusable return value), ``"error"``
    (the function raised), ``"timeout"``, ``"mutation"`` (an input was changed in place),
    ``"signature"``, ``"skipped"`` (not run after a time-out).
    """

    index: int
    property: str
    inputs: str
    passed: bool
    kind: str
    message: str = ""
    got: object = None  # the converted answer, when there is one

    def line(self) -> str:
        mark = "✔" if self.passed else "✘"
        text = ("passed" + (f" ({self.message})" if self.message else "")) if self.passed else self.message
        return f"{mark} case {self.index + 1}: {self.property} — {text}"


@dataclass
class CheckResult:
    """The verdict of a self-checking exercise; truthy iff every case passed.

    Attributes
    ----------
    name : str
        The exercise's function ("layer_norm").
    passed : bool
        Every case passed.
    n_cases : int
        Number of cases run.
    message : str
        One-paragraph summary: the first failure in full, the count of the others, and a
        diagnosis when one is certain.
    failures : list of str
        One message per failing case (property, input, what was wrong).
    outcomes : list of CaseOutcome
        Every case, passed or not.
    diagnosis : str or None
        The classic mistake that reproduces every answer, when there is one.
    """

    name: str
    passed: bool
    n_cases: int
    message: str
    failures: list[str] = field(default_factory=list)
    outcomes: list[CaseOutcome] = field(default_factory=list)
    diagnosis: str | None = None

    @property
    def n_passed(self) -> int:
        """Number of cases passed."""
        if self.outcomes:
            return sum(o.passed for o in self.outcomes)
        return self.n_cases - len(self.failures)

    @property
    def score(self) -> float:
        """Fraction of cases passed, in [0, 1] (1.0 iff ``passed``)."""
        if self.passed:
            return 1.0
        return self.n_passed / self.n_cases if self.n_cases else 0.0

    def report(self) -> str:
        """Per-case feedback, one line per case, for a grader's per-question report."""
        head = f"{self.name}: {self.n_passed}/{self.n_cases} cases passed (score {self.score:.2f})"
        lines = [head] + [o.line() for o in self.outcomes]
        if self.diagnosis:
            lines.append(f"Diagnosis: {self.diagnosis}.")
        return "\n".join(lines)

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
    try:
        arr = np.asarray(value)
    except Exception:
        return repr(value)
    if arr.dtype == object:
        return repr(value)
    with np.printoptions(precision=4, threshold=8, edgeitems=3, suppress=False):
        if arr.ndim:
            text = " ".join(np.array2string(arr, separator=", ", max_line_width=10**6).split())  # one line
            return text if arr.dtype in (np.float64, np.bool_) else f"{text} ({arr.dtype})"
        return repr(arr.item())


def _copy(value):
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


# -- calling the student's function ----------------------------------------------------------

class _Timeout(BaseException):
    """Raised by the interval timer inside a student's function (BaseException: ``except Exception`` cannot swallow it)."""


@dataclass
class _Call:
    value: object = None
    error: BaseException | None = None
    timed_out: bool = False


def _call_with_alarm(fn: Callable, args: tuple, timeout: float) -> _Call:
    def on_alarm(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Re-fire every 0.1 s after the first, in case a bare ``except:`` swallows one.
    signal.setitimer(signal.ITIMER_REAL, timeout, 0.1)
    try:
        try:
            return _Call(value=fn(*args))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0.0, 0.0)
    except _Timeout:
        return _Call(timed_out=True)
    except (Exception, SystemExit, GeneratorExit) as exc:  # the student's error is the verdict, not a crash
        return _Call(error=exc)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _call_in_thread(fn: Callable, args: tuple, timeout: float) -> _Call:
    box = _Call(timed_out=True)

    def target():
        try:
            box.value, box.timed_out = fn(*args), False
        except Exception as exc:
            box.error, box.timed_out = exc, False
        except BaseException as exc:  # noqa: BLE001 - SystemExit and the like are a verdict too
            box.error, box.timed_out = exc, False

    thread = threading.Thread(target=target, daemon=True, name="lngeo-student-call")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():  # abandoned: a daemon thread does not keep the process alive
        return _Call(timed_out=True)
    return box


#: False in the browser (JupyterLite's Pyodide kernel): WebAssembly Python has neither threads
#: nor an interval timer, so a student's function runs there without a time limit.
CAN_TIME_OUT = sys.platform != "emscripten"


def _call_unlimited(fn: Callable, args: tuple) -> _Call:
    try:
        return _Call(value=fn(*args))
    except (Exception, SystemExit, GeneratorExit) as exc:  # the student's error is the verdict
        return _Call(error=exc)


def call_student(fn: Callable, args: tuple, timeout: float | None = None) -> _Call:
    """Call ``fn(*args)`` with a time limit; never raises for the student's errors.

    Where :data:`CAN_TIME_OUT` is False (Pyodide) the call has no time limit.
    """
    timeout = TIMEOUT_S if timeout is None else timeout
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # a NaN or an overflow is judged from the value
        if not CAN_TIME_OUT:
            return _call_unlimited(fn, args)
        if (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
                and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)):
            return _call_with_alarm(fn, args, timeout)
        return _call_in_thread(fn, args, timeout)


def signature_problem(fn: Callable, names: tuple[str, ...]) -> str | None:
    """Why ``fn`` cannot be called with ``len(names)`` positional arguments, or None."""
    if not callable(fn):
        return f"expected a function, got {type(fn).__name__} {_fmt(fn)}"
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: just call them
        return None
    try:
        sig.bind(*names)
    except TypeError as exc:
        return (
            f"signature mismatch: your function {getattr(fn, '__name__', 'function')}{sig} cannot be called "
            f"with the {len(names)} positional argument(s) ({', '.join(names)}) the exercise passes ({exc})"
        )
    return None


# -- converting what came back -----------------------------------------------------------------

def describe(value) -> str:
    """A short description of a value's type, for messages ("a str 'abc'", "None", "a generator")."""
    if value is None:
        return "None (did you forget `return`?)"
    if value is Ellipsis:
        return "Ellipsis (`...`: the exercise is not done yet)"
    if isinstance(value, (str, bytes)):
        text = repr(value)
        return f"a {type(value).__name__} {text[:40] + '…' if len(text) > 40 else text}"
    if isinstance(value, (types.GeneratorType, Iterable)) and not isinstance(value, (list, tuple, np.ndarray)) and not hasattr(value, "__array__"):
        return f"a {type(value).__name__} (an iterable, not numbers: build an array, e.g. with np.array(list(...)))"
    return f"a {type(value).__module__ + '.' if type(value).__module__ not in ('builtins',) else ''}{type(value).__name__}"


def to_array(value, *, allow_bool: bool = False) -> tuple[np.ndarray | None, str | None]:
    """Convert a student's return value to a real numpy array, or say why it cannot be.

    Returns ``(array, None)`` or ``(None, problem)``.
    """
    if value is None or value is Ellipsis or isinstance(value, (str, bytes, dict, set, frozenset, Mapping)):
        return None, f"returned {describe(value)}, not numbers"
    if isinstance(value, types.GeneratorType) or (
        isinstance(value, Iterable) and not isinstance(value, (list, tuple, np.ndarray)) and not hasattr(value, "__array__")
        and not type(value).__module__.startswith("torch")
    ):
        return None, f"returned {describe(value)}"
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        # A tensor that requires grad is judged by its value (its graph is not checked).
        try:
            if value.is_complex():
                return None, f"returned a complex torch tensor ({value.dtype}); the answer is real"
            value = value.detach().cpu().numpy()
        except Exception as exc:
            return None, f"returned a torch tensor that could not be converted to numbers ({exc})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(value)
    except Exception as exc:  # ragged lists, lists of grad-tracking tensors, …
        return None, f"returned a ragged or mixed {describe(value).removeprefix('a ')} (not a rectangular array of numbers: {exc})"
    if arr.dtype == object:
        if isinstance(value, (list, tuple)):
            return None, f"returned a ragged or mixed {type(value).__name__} (not a rectangular array of numbers)"
        return None, f"returned an object array ({describe(value)} holding Python objects), not numbers"
    kind = arr.dtype.kind
    if kind == "c":
        return None, f"returned complex numbers ({arr.dtype}); the answer is real (did a square root or eigen-solver go complex?)"
    if kind == "b":
        return (arr, None) if allow_bool else (arr.astype(float), None)
    if kind not in "iuf":
        return None, f"returned an array of {arr.dtype} ({describe(value)}), not numbers"
    return arr, None


# -- comparing ---------------------------------------------------------------------------------

def allclose_scaled(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float, scaled: bool = True) -> bool:
    """``|got − expected| ≤ atol·max(1, max|expected|) + rtol·|expected|``, NaN never close.

    With ``scaled=False`` the ``atol`` is absolute (for angles in degrees)."""
    expected = np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size and scaled else 1.0
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(got - expected) <= atol * scale + rtol * np.abs(expected)))


def shape_and_finiteness(got: np.ndarray, expected, what: str = "shape", why: str = ""):
    """What every judge checks first: ``got`` has ``expected``'s shape and is finite.

    Returns ``(problem, got, expected)``, the arrays as float64; ``problem`` is None when both
    hold, else the message (``"expected {what} {shape}{why}, got shape …"``).
    """
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return f"expected {what} {expected.shape}{why}, got shape {got.shape}", got, expected
    got = got.astype(float)
    if not np.all(np.isfinite(got)):
        return f"returned non-finite values {_fmt(got)}", got, expected
    return None, got, expected


def default_judge(got: np.ndarray, expected, rtol: float, atol: float, scaled: bool = True) -> str | None:
    """Shape, finiteness, then value; returns a description of the problem or None."""
    problem, got, expected = shape_and_finiteness(got, expected)
    if problem is not None:
        return problem
    if not allclose_scaled(got, expected, rtol, atol, scaled):
        err = float(np.max(np.abs(got - expected)))
        return f"expected {_fmt(expected)}, got {_fmt(got)} (max error {err:.2e})"
    return None


# -- running the cases -------------------------------------------------------------------------

def _inputs_text(case: Case) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in case.kwargs.items())


def _mutated(before: dict, after: tuple) -> list[str]:
    names = []
    for (name, old), new in zip(before.items(), after):
        if isinstance(old, np.ndarray):
            new_arr = np.asarray(new)
            if new_arr.shape != old.shape or not np.array_equal(new_arr, old, equal_nan=True):
                names.append(name)
    return names


def run_cases(
    name: str,
    student: Callable,
    cases: Iterable[Case],
    rtol: float = 1e-7,
    atol: float = 1e-9,
    *,
    judge: Callable | None = None,
    mistakes: Mapping[str, Callable] | None = None,
    tol32: tuple[float, float] = FLOAT32_TOL,
    allow_bool: bool = False,
    convert: Callable | None = None,
    timeout: float | None = None,
    tol32_by_inputs: bool = True,
) -> CheckResult:
    """Run the student's function on every case and return the :class:`CheckResult`.

    Parameters
    ----------
    name : str
        The exercise's name, for messages.
    student : callable
        Called as ``student(*case.kwargs.values())`` (positionally).
    cases : list of Case
    rtol, atol : float
        Tolerance for float64 cases; ``tol32`` for float32 ones (``atol`` is relative to
        the largest entry of the right answer, at least 1).
    judge : callable, optional
        ``judge(got, expected, rtol, atol, case) -> str | None``; default ``default_judge``.
        It must also say whether two candidate answers agree (used for diagnoses), so it
        compares the two answers up to the exercise's freedom (sign, basis, …).
    convert : callable, optional
        ``convert(value) -> (answer, problem)``; default ``to_array``.
    mistakes : mapping, optional
        Description → wrong implementation with the exercise's signature. A description is
        reported only when that implementation agrees with the student on every case where
        the student returned a usable answer, and is wrong on at least two of them.
    allow_bool : bool
        Keep boolean answers boolean (for yes/no exercises).
    tol32_by_inputs : bool
        Grow the float32 ``atol`` with the inputs' magnitude (off for scale-free answers
        such as angles).
    """
    if isinstance(cases, (str, bytes)) or not isinstance(cases, Iterable):
        raise TypeError(f"cases must be a list of Case objects, got {type(cases).__name__}")
    cases = list(cases)
    if not all(isinstance(c, Case) for c in cases):
        bad = next(c for c in cases if not isinstance(c, Case))
        raise TypeError(f"cases must hold only Case objects, got a {type(bad).__name__}")
    for arg, fn in (("judge", judge), ("convert", convert)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{arg} must be a function or None, got {type(fn).__name__}")
    judge = judge or (lambda got, expected, rt, at, case: default_judge(got, expected, rt, at))
    convert = convert or (lambda value: to_array(value, allow_bool=allow_bool))
    outcomes: list[CaseOutcome] = []
    names = tuple(cases[0].kwargs) if cases else ()
    sig = signature_problem(student, names)
    stop: str | None = None
    for i, case in enumerate(cases):
        where = _inputs_text(case)
        if sig is not None:
            outcomes.append(CaseOutcome(i, case.property, where, False, "signature", sig))
            continue
        if stop is not None:
            outcomes.append(CaseOutcome(i, case.property, where, False, "skipped", stop))
            continue
        args = tuple(_copy(v) for v in case.kwargs.values())
        call = call_student(student, args, timeout)
        prefix = f"on {where} "
        if call.timed_out:
            limit = TIMEOUT_S if timeout is None else timeout
            outcomes.append(CaseOutcome(i, case.property, where, False, "timeout", f"{prefix}your function did not return within {limit:g} s"))
            stop = "not run: your function did not return on an earlier case"
            continue
        if call.error is not None:
            exc = call.error
            outcomes.append(CaseOutcome(i, case.property, where, False, "error", f"{prefix}your function raised {type(exc).__name__}: {exc}"))
            continue
        changed = _mutated(case.kwargs, args)
        got, problem = convert(call.value)
        if problem is not None:
            outcomes.append(CaseOutcome(i, case.property, where, False, "type", f"{prefix}your function {problem}"))
            continue
        rt, at = (_tol32_for(case, tol32, tol32_by_inputs) if case.float32 else (rtol, atol))
        note = ""
        if case.verify is not None and not (case.float32 or _is_float32(got)):  # float32: judged by value below
            problem = default_judge(got, case.expected, np.inf, np.inf)  # shape and finiteness
            if problem is None:
                problem = case.verify(got.astype(float))
            kind = "value"
        else:
            low = _is_float32(got) and not case.float32  # a float32 answer to a float64 case
            if low:
                rt, at = _tol32_for(case, tol32, tol32_by_inputs)
            problem = judge(got, case.expected, rt, at, case)
            kind = "value"
            if problem is not None and "shape" in problem.split(",")[0]:
                kind = "shape"
            elif problem is not None and _is_float32(got) and judge(got, case.expected, 100 * rt, 100 * at, case) is None:
                problem = (
                    f"your float32 answer is off by more than float32 rounding usually explains ({problem}); "
                    "this may be precision alone — compute in float64 to be sure"
                )
                kind = "precision"
            elif problem is None and low:
                note = "judged at float32 precision (your answer is float32)"
        if problem is None and changed:
            problem, kind = f"the value is right, but your function changed its input {', '.join(changed)} in place (work on a copy)", "mutation"
        elif problem is not None and changed:
            problem += f"; it also changed its input {', '.join(changed)} in place"
        if problem is None:
            outcomes.append(CaseOutcome(i, case.property, where, True, "pass", note, got=got))
        else:
            outcomes.append(CaseOutcome(i, case.property, where, False, kind, f"{prefix}{problem}", got=got if kind in ("value", "mutation") else None))
    diagnosis = _diagnose(cases, outcomes, mistakes or {}, judge, convert, rtol, atol, tol32, tol32_by_inputs) if any(o.kind == "value" for o in outcomes) else None
    return _verdict(name, outcomes, diagnosis)


def _tol32_for(case: Case, tol32: tuple[float, float], by_inputs: bool = True) -> tuple[float, float]:
    """The float32 tolerance, its ``atol`` grown with the inputs' magnitude (rounding them to
    float32 already moves them by about 6e-8 of their size)."""
    if not by_inputs:
        return tol32
    sizes = [float(np.max(np.abs(v))) for v in case.kwargs.values() if isinstance(v, np.ndarray) and v.size and v.dtype.kind == "f"]
    return tol32[0], tol32[1] * max([1.0] + sizes)


def _is_float32(got) -> bool:
    """True for float32 (or float16) answers: judged at float32 precision."""
    parts = got if isinstance(got, tuple) else (got,)
    return any(getattr(p, "dtype", None) in (np.float32, np.float16) for p in parts)


def _diagnose(cases, outcomes, mistakes, judge, convert, rtol, atol, tol32, tol32_by_inputs=True) -> str | None:
    """The classic mistake that reproduces the student's wrong answers, or None.

    A mistake qualifies when, on at least two failing cases (and on at least half of the
    cases that failed with a wrong value), the wrong implementation gives the student's
    answer *and* that answer differs from the right one. The best-matching mistake is named,
    with the cases it reproduces; "every answer" is said only when it also agrees on all the
    cases the student passed.
    """
    usable = [(c, o) for c, o in zip(cases, outcomes) if o.got is not None and o.kind in ("pass", "value", "mutation")]
    n_value = sum(o.kind == "value" for o in outcomes)
    # a yes/no answer matches a wrong rule by chance too easily: require agreement on every case
    boolean = any(getattr(o.got, "dtype", None) == bool for _, o in usable)
    best: tuple[int, str, list[int], bool] | None = None
    for description, wrong in mistakes.items():
        matched: list[int] = []
        agrees_everywhere = True
        for case, outcome in usable:
            rt, at = (_tol32_for(case, tol32, tol32_by_inputs) if case.float32 or _is_float32(outcome.got) else (rtol, atol))
            args = tuple(_copy(v) for v in case.kwargs.values())
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    w, problem = convert(wrong(*args))
                    agree = problem is None and judge(outcome.got, w, rt, at, case) is None
                    wrong_there = agree and judge(w, case.expected, rt, at, case) is not None
            except Exception:
                agree = wrong_there = False
            agrees_everywhere &= agree
            if outcome.kind == "value" and wrong_there:
                matched.append(outcome.index)
        if boolean and not agrees_everywhere:
            continue
        if len(matched) >= 2 and 2 * len(matched) >= n_value and (best is None or len(matched) > best[0]):
            best = (len(matched), description, matched, agrees_everywhere)
    if best is None:
        return None
    _, description, matched, everywhere = best
    if everywhere:
        return f"every answer your function gave (on {len(usable)} cases) is exactly what {description} gives"
    where = ", ".join(str(i + 1) for i in matched)
    return f"on cases {where} your answers are exactly what {description} gives"


def _verdict(name: str, outcomes: list[CaseOutcome], diagnosis: str | None = None) -> CheckResult:
    failures = [f"{o.property}: {o.message}" for o in outcomes if not o.passed]
    n = len(outcomes)
    if not failures:
        low = sum(bool(o.message) for o in outcomes)
        note = f" ({low} judged at float32 precision, because your answers were float32)" if low else ""
        return CheckResult(name, True, n, f"all {n} cases pass{note}.", [], outcomes)
    more = f" ({len(failures) - 1} more failing case(s))" if len(failures) > 1 else ""
    message = failures[0] + more
    if diagnosis:
        message += f". Diagnosis: {diagnosis}."
    return CheckResult(name, False, n, message, failures, outcomes, diagnosis)


def case_rng(seed: int, hidden: bool) -> np.random.Generator:
    """The random stream of a checker's cases: ``default_rng(seed)`` for the visible cases, an
    independent stream of the same seed for the hidden ones.

    Every ``check_*`` draws its cases here first, so this is where its ``seed`` (an integer
    >= 0) and ``hidden`` (True or False) are checked.
    """
    seed, hidden = as_count(seed, "seed"), as_flag(hidden, "hidden")
    return np.random.default_rng([int(seed), 0x11D]) if hidden else np.random.default_rng(seed)


def absolute_judge(got, expected, rtol: float, atol: float, case=None) -> str | None:
    """:func:`default_judge` with an absolute ``atol`` (answers in degrees)."""
    return default_judge(got, expected, rtol, atol, scaled=False)
