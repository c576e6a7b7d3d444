"""Chapter 6's self-checking exercises: LayerNorm's Jacobian, and the arc a segment becomes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import layer_norm
from ..geometry import jacobian
from .checking import Case, CheckResult, absolute_judge, case_rng, run_cases

__all__ = ["check_jacobian", "check_arc_angle"]


def _jacobian_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, x, gain, eps, verify=None, dtype=np.float64):
        x, gain = (np.asarray(v, dtype=float).astype(dtype) for v in (x, gain))
        cases.append(Case(prop, {"x": x, "gain": gain, "eps": float(eps)}, jacobian(x.astype(float), gain.astype(float), eps=float(eps)), verify))

    def kills(direction, what):
        def verify(J):
            v = direction / np.linalg.norm(direction)
            size = float(np.linalg.norm(J @ v))
            scale = float(np.linalg.norm(J, 2))
            return None if size <= 1e-9 * max(scale, 1.0) else f"|J·{what}| = {size:.3g}, but it must be 0"
        return verify

    n = int(rng.integers(4, 8)) if hidden else 5
    x = rng.normal(size=n) + 1.0
    add("forgets the mean: J·1 = 0", x, np.ones(n), 1e-5, kills(np.ones(n), "1"))
    add("with ε = 0 forgets the size: J·Πa = 0", x, np.ones(n), 0.0, kills(x - x.mean(), "Πa"))
    add("ε sits inside the square root, next to σ²", 0.05 * rng.normal(size=4), np.ones(4), 0.01)
    add("the gain scales the rows (outputs)", x, rng.uniform(-2, 3, n) if hidden else np.array([2.0, 0.5, 1.0, -1.0, 3.0]), 1e-5)
    widths = (2, 3, 16, 128) if not hidden else (2, int(rng.integers(3, 40)), int(rng.integers(65, 300)), 768)
    for width in widths:
        add(f"matches the Jacobian on a random input (N = {width})", rng.normal(size=width), rng.normal(1.0, 0.4, width), 1e-5)
    if hidden:
        add("matches the Jacobian on a float32 input (N = 64)", rng.normal(size=64), rng.normal(1.0, 0.4, 64), 1e-5, dtype=np.float32)
    return cases


def _jac_parts(x, eps):
    x = np.asarray(x, dtype=float)
    n = x.size
    inv = 1.0 / np.sqrt(x.var() + eps)
    return n, inv, (x - x.mean()) * inv, np.eye(n) - 1.0 / n


def check_jacobian(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_jacobian(x, gain, eps)`` for 1-D ``x`` (exercise ``ex-jacobian``).

    The answer is the ``N × N`` matrix of partial derivatives ``∂LN(x)_i/∂x_j`` (row ``i``:
    output, column ``j``: input). Cases: the directions the Jacobian must send to zero (``1``
    always, ``Πa`` when ``ε = 0``), how ``ε`` enters, which side the gain acts on, random
    inputs up to N = 128; hidden cases use other inputs from ``seed``, N up to 768 and
    float32.

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """

    def no_zz(x, gain, eps):
        n, inv, z, P = _jac_parts(x, eps)
        return np.asarray(gain, float)[:, None] * inv * P

    def gain_right(x, gain, eps):
        n, inv, z, P = _jac_parts(x, eps)
        return inv * (P - np.outer(z, z) / n) * np.asarray(gain, float)[None, :]

    def no_pi(x, gain, eps):
        n, inv, z, P = _jac_parts(x, eps)
        return np.asarray(gain, float)[:, None] * inv * (np.eye(n) - np.outer(z, z) / n)

    mistakes = {
        "leaving out the −z zᵀ/N term (differentiating only the numerator x − μ)": no_zz,
        "the transpose — the same as putting the gain on the input side, (Π − z zᵀ/N) G (rows must be outputs, columns inputs)": gain_right,
        "forgetting that μ depends on x (I instead of Π)": no_pi,
    }
    return run_cases("jacobian", student, _jacobian_cases(seed, hidden), rtol=1e-7, atol=1e-9, mistakes=mistakes)


# -- lines become arcs -------------------------------------------------------------------------

def _arc_reference(a, c) -> float:
    """The right answer for one case, in degrees."""
    p, q = (np.asarray(v, dtype=float) - np.mean(v) for v in (a, c))
    p, q = p / np.linalg.norm(p), q / np.linalg.norm(q)
    return float(np.degrees(2.0 * np.arctan2(np.linalg.norm(p - q), np.linalg.norm(p + q))))


def _arc_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, a, c, dtype=np.float64):
        a, c = (np.asarray(v, dtype=float).astype(dtype) for v in (a, c))
        cases.append(Case(prop, {"a": a, "c": c}, np.asarray(_arc_reference(a.astype(float), c.astype(float)))))

    n = int(rng.integers(4, 8)) if hidden else 5
    a = rng.normal(size=n)
    add("a segment whose ends differ only by a multiple of 1 maps to a single point: 0°", a, a + rng.uniform(1, 5))
    add("a segment along a ray from the 1 axis maps to a single point: 0°", a, rng.uniform(2, 5) * a + rng.uniform(-3, 3))
    add("the 1 component is ignored (the arc lies in 1⟂)", a + 10.0, rng.normal(size=n) - 7.0)
    if hidden:
        add("in degrees, for N = 3", rng.normal(size=3), rng.normal(size=3))
        d = rng.uniform(0.5, 2.0, 2)
        add("N = 2: a segment on one side of the 1 axis maps to a point", [d[0], 0.0], [rng.uniform(2, 4), rng.uniform(2, 4) - d[1]])
    else:
        add("in degrees, for N = 3: from (1, 0, −1) to (0, 1, −1)", [1.0, 0.0, -1.0], [0.0, 1.0, -1.0])
        add("N = 2: a segment on one side of the 1 axis maps to a point", [2.0, 1.0], [5.0, -1.0])
    add("an arc close to 180° (the ends almost opposite)", a, -a + 0.05 * rng.normal(size=n))
    add("a tiny arc (a computed cos θ may round to just above 1)", a, a + 1e-7 * rng.normal(size=n))
    widths = (16, 768) if not hidden else (int(rng.integers(5, 60)), 384, 768)
    for width in widths:
        add(f"random ends (N = {width})", rng.normal(size=width) + rng.normal(), rng.normal(size=width) * rng.lognormal())
    if hidden:
        add("float32 ends (N = 384)", rng.normal(size=384), rng.normal(size=384), dtype=np.float32)
    return cases


def check_arc_angle(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_arc_angle(a, c)`` (exercise ``ex-arc``: lines become arcs).

    As an input moves along the segment from ``a`` to ``c`` (a segment that does not meet the
    line through ``1``), LayerNorm with unit gain and zero bias moves its output along an arc
    of a great circle of the sphere of radius ``√N`` (for ``ε = 0``; just inside it for
    ``ε > 0``, with the same directions). The answer is the angle of that arc in **degrees**,
    a number in ``[0, 180)``. Cases: ends that differ by a multiple of ``1`` or a positive
    factor (0°), the ``1`` component, a hand-checkable N = 3 case, N = 2, an arc near 180°, a
    tiny arc, random ends up to N = 768 (hidden: other ends from ``seed``, float32). Answers
    must agree to 1e-4 degrees (float32 cases and answers: 0.05 degrees, since an angle
    near 0° computed in float32 keeps only about half of float32's digits).

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """

    def angle(p, q):
        with np.errstate(all="ignore"):
            cos = float(p @ q / (np.linalg.norm(p) * np.linalg.norm(q)))
        return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))

    def centred(v):
        v = np.asarray(v, dtype=float)
        return v - v.mean()

    mistakes = {
        "the angle between a and c themselves (the 1 component was not removed)": lambda a, c: angle(np.asarray(a, float), np.asarray(c, float)),
        "radians instead of degrees": lambda a, c: np.radians(_arc_reference(a, c)),
        "the length of the chord |LN(a) − LN(c)| instead of the angle": lambda a, c: float(np.linalg.norm(layer_norm(a, eps=0.0) - layer_norm(c, eps=0.0))),
        "the angle between Πa and Π(c − a), the segment's direction": lambda a, c: angle(centred(a), centred(np.asarray(c, float) - np.asarray(a, float))),
    }
    return run_cases("arc_angle", student, _arc_cases(seed, hidden), rtol=0.0, atol=1e-4, judge=absolute_judge,
                     mistakes=mistakes, tol32=(0.0, 0.05), tol32_by_inputs=False)
