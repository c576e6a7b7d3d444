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

from ..core import layer_norm, project, radial_fraction

__all__ = [
    "Case",
    "CheckResult",
    "run_cases",
    "check_layer_norm",
    "check_project",
    "check_radial_fraction",
    "check_hyperplane_normal",
    "check_semi_axes",
    "check_jacobian",
    "check_tilt_angle",
]


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
    add("must centre the input (output mean 0 when g = 1, b = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y)", np.mean, 0.0, " (did you subtract the mean?)"))
    add("must use the biased variance (mean(y²) = 1 when g = 1, b = 0, eps = 0)", x, ones, zeros, 0.0,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), 1.0,
                      f" (a value of (N-1)/N = {(n - 1) / n:.6g} means you divided by N - 1)"))
    small = 0.05 * rng.normal(size=n)
    target = float(np.var(small) / (np.var(small) + 0.01))
    add("must add eps inside the square root (mean(y²) = σ²/(σ² + ε))", small, ones, zeros, 0.01,
        _moment_check("mean(y²)", lambda y: np.mean(y * y), target, ""))
    add("must ignore the input's mean", x + 1e3, ones, zeros, 1e-5)
    add("must apply gain and bias per neuron, after normalising", x, np.linspace(-2, 2, n), np.arange(float(n)), 1e-5)
    add("must return exactly b for a constant input when eps > 0", np.full(4, 3.0), np.array([1.0, 2, 3, 4]), np.array([0.5, -1, 0, 2]), 1e-5)
    add("must be scale invariant when eps = 0", 1e3 * x, ones, zeros, 0.0)
    for width in (2, 3, 5, 16, 64):
        add("must match LayerNorm on a random input", rng.normal(size=width), rng.normal(1, 0.3, width), rng.normal(0, 0.5, width), 1e-5)
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


# -- chapter 2: the projection ---------------------------------------------------------------


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


# -- chapter 3: the radial fraction -----------------------------------------------------------


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


# -- chapter 4: the tilted hyperplane ----------------------------------------------------------


def _reference_normal(gain: np.ndarray) -> np.ndarray:
    from ..geometry import hyperplane_normal

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
    if failures:
        more = f" ({len(failures) - 1} more failing case(s))" if len(failures) > 1 else ""
        return CheckResult("hyperplane_normal", False, len(cases), failures[0] + more, failures)
    return CheckResult("hyperplane_normal", True, len(cases), f"all {len(cases)} cases pass.")


# -- chapter 5: the output ellipsoid's semi-axes ------------------------------------------------


def _semi_axes_cases(seed: int) -> list[Case]:
    from ..geometry import semi_axes

    rng = np.random.default_rng(seed)
    cases: list[Case] = []

    def add(prop, gain):
        gain = np.asarray(gain, dtype=float)
        cases.append(Case(prop, {"gain": gain}, semi_axes(gain)))

    add("N = 2: the one semi-axis is |g| = √(g₁² + g₂²)", [1.0, 2.0])
    add("N − 1 semi-axes s_k = √(N μ_k), largest first", [0.5, 1.0, 2.0, 3.0])
    add("negative gains: the same semi-axes as |g| (the set is only mirrored)", [1.5, -0.7, 0.4, -2.0])
    add("one zero gain: still N − 1 positive semi-axes (no inverse of G is needed)", [1.2, 0.0, 0.8, 2.0])
    add("two zero gains: one semi-axis collapses to exactly 0 (clip round-off before the square root)", [1.2, 0.0, 0.0, 2.0])
    add("a gain repeated m times gives a semi-axis √N|g| repeated m − 1 times", [1.0, 1.0, 1.0, 2.0])
    for n in (16, 100):
        add("matches the semi-axes on random gains", rng.normal(1.0, 0.4, n))
    return cases


def check_semi_axes(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``semi_axes(gain)``: the N − 1 semi-axes of the output ellipsoid, descending.

    .. math:: M = G^2 - \tfrac1N g g^\top, \qquad s_k = \sqrt{N \mu_k}
              \ \text{for the } N-1 \text{ largest eigenvalues } \mu_k \text{ of } M .

    Cases: N = 2 (one semi-axis, ``|g|``), the order and the factor ``√N``, negative gains,
    one zero gain (an inverse of ``G`` fails here), two zero gains (a collapsed semi-axis that
    round-off can make the square root of a tiny negative number), repeated gains, and random
    gains up to N = 100. A failure that matches a classic mistake is named.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> def mine(gain):
    ...     g = np.asarray(gain, dtype=float)
    ...     mu = np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / g.size)
    ...     return np.sqrt(g.size * np.clip(mu[1:], 0, None))[::-1]
    >>> bool(check_semi_axes(mine))
    True
    """

    def eig(gain, scale_outer=True):
        g = np.asarray(gain, dtype=float)
        n = g.size
        return np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / (n if scale_outer else 1.0))

    mistakes = {
        "forgetting the factor √N (√μ_k instead of √(N μ_k))": lambda gain: np.sqrt(np.clip(eig(gain)[1:], 0, None))[::-1],
        "ascending order (the book lists semi-axes largest first)": lambda gain: np.sqrt(len(gain) * np.clip(eig(gain)[1:], 0, None)),
        "dropping the 1/N in M = G² − g gᵀ/N": lambda gain: np.sqrt(len(gain) * np.clip(eig(gain, False)[1:], 0, None))[::-1],
        "taking the largest N − 1 values of √N|g_n| (the N-dimensional ellipsoid, not its slice)": lambda gain: (np.sqrt(len(gain)) * np.sort(np.abs(gain))[::-1])[:-1],
    }
    return _run_cases_diagnosed("semi_axes", student, _semi_axes_cases(seed), mistakes, rtol=1e-8, atol=1e-9)


# -- chapter 6: the Jacobian --------------------------------------------------------------------


def _jacobian_cases(seed: int) -> list[Case]:
    from ..geometry import jacobian

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


# -- chapter 7: how far training tilted the plane ----------------------------------------------


def _tilt_cases(seed: int) -> list[Case]:
    from ..model_geometry import tilt_angle

    rng = np.random.default_rng(seed)
    cases: list[Case] = []

    def add(prop, gain):
        gain = np.asarray(gain, dtype=float)
        cases.append(Case(prop, {"gain": gain}, np.asarray(tilt_angle(gain))))

    add("equal gains keep the plane ⟂ 1: θ = 0", np.full(5, 1.7))
    add("the normal is α ∝ 1/g, not ∝ g", [1.0, 1.0, 1.0, 4.0])
    add("θ is an angle between lines, at most 90° (use |cos θ|): equal negative gains give 0", np.full(4, -0.8))
    add("θ in degrees", [0.5, 1.0, 2.0])
    add("one zero gain g_j = 0: the normal is e_j, so cos θ = 1/√N", [1.2, 0.0, 0.8, 2.0])
    add("a gain of 1e-200 must not overflow (rescale α before squaring it)", [1e-200, 1.0, 2.0])
    add("two zero gains: the normal space is span{e_j : g_j = 0}, so cos θ = |V 1̂| = √(k/N)", [0.0, 0.0, 1.0, 1.0])
    for n in (16, 384):
        add("matches θ on random trained-looking gains", rng.lognormal(0.0, 0.35, n) * np.where(rng.random(n) < 0.05, -1, 1))
    return cases


def check_tilt_angle(student: Callable, seed: int = 0) -> CheckResult:
    r"""Check a student's ``tilt_angle(gain)``: degrees between the output set's normal and ``1``.

    .. math:: \cos\theta = \big|V\,\hat{\mathbf 1}\big| = \frac{|\sum_n 1/g_n|}{\sqrt N\,|\alpha|}
              \quad (\alpha_n = 1/g_n,\ \text{no zero gain}),

    with ``V`` the orthonormal rows of the normal space: ``α/|α|``, or ``e_j`` for each zero
    gain. Cases: equal gains (0°), ``1/g`` versus ``g``, equal negative gains (an angle between
    lines is at most 90°), degrees, one and two zero gains, a gain of 1e-200, random gains up
    to N = 384; answers must agree to 1e-4 degrees (``arccos`` near 1 loses digits). A
    failure that matches a classic mistake is named.

    Returns
    -------
    CheckResult
        Truthy when every case passes; its message names the first failing property and input.

    Examples
    --------
    >>> import numpy as np
    >>> def mine(gain):
    ...     g = np.asarray(gain, dtype=float)
    ...     zero = g == 0
    ...     if zero.any():
    ...         return np.degrees(np.arccos(np.sqrt(zero.sum() / g.size)))
    ...     alpha = np.abs(g).min() / g          # rescaled: no overflow
    ...     cos = abs(alpha.sum()) / (np.sqrt(g.size) * np.linalg.norm(alpha))
    ...     return np.degrees(np.arccos(min(cos, 1.0)))
    >>> bool(check_tilt_angle(mine))
    True
    """

    def angle(cos):
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))

    def with_g(gain):
        g = np.asarray(gain, dtype=float)
        return angle(abs(g.sum()) / (np.sqrt(g.size) * np.linalg.norm(g)))

    def radians(gain):
        from ..model_geometry import tilt_angle

        return np.radians(tilt_angle(gain))

    def no_abs(gain):
        g = np.asarray(gain, dtype=float)
        a = 1.0 / g
        return angle(a.sum() / (np.sqrt(g.size) * np.linalg.norm(a)))

    def ones_not_unit(gain):
        g = np.asarray(gain, dtype=float)
        a = 1.0 / g
        return angle(abs(a.sum()) / np.linalg.norm(a))

    mistakes = {
        "a normal ∝ g instead of α ∝ 1/g": with_g,
        "returning radians instead of degrees": radians,
        "forgetting the absolute value |cos θ| (the angle between two lines is at most 90°)": no_abs,
        "using 1 instead of the unit vector 1/√N": ones_not_unit,
    }
    return _run_cases_diagnosed("tilt_angle", student, _tilt_cases(seed), mistakes, rtol=1e-7, atol=1e-4)
