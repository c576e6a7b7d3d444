"""Chapter 5's self-checking exercises: the output ellipsoid's semi-axes, principal axes,
slice coordinates, membership, and the preimage of a point on its surface.

The answers to the geometric exercises are only defined up to a freedom, and the checkers
accept all of it:

* a principal axis ``u_k`` may have either sign, and a semi-axis repeated ``m`` times has an
  ``m``-dimensional subspace of axes, any orthonormal basis of which is right. So the rows
  are compared through the orthogonal projector onto each *cluster* of equal semi-axes
  (relative gap ≤ 1e-6); collapsed semi-axes (0, with two or more zero gains) are only
  required to be orthonormal rows supported on the zero-gain neurons;
* slice coordinates inherit those signs and bases, so each cluster's coordinates are compared
  by their Euclidean length;
* a preimage of ``y`` under LayerNorm with ``ε = 0`` is any ``a`` with ``LN(a; ε = 0) = y``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import layer_norm
from ..geometry import ellipsoid_contains, principal_axes, semi_axes, slice_coordinates
from .checking import (Case, CheckResult, _fmt, allclose_scaled, case_rng, default_judge, run_cases,
                       shape_and_finiteness, to_array)

__all__ = [
    "check_semi_axes",
    "check_principal_axes",
    "check_slice_coordinates",
    "check_in_output_set",
    "check_vertex_preimage",
]

CLUSTER_RTOL = 1e-6


def _trained_gains(rng: np.random.Generator, n: int) -> np.ndarray:
    """Gains like a trained model's (MiniLM's LayerNorms: lognormal around 1, a few negative)."""
    return rng.lognormal(0.0, 0.35, n) * np.where(rng.random(n) < 0.05, -1.0, 1.0)


# -- semi-axes ---------------------------------------------------------------------------------

def _eig_m(gain, over_n=True):
    g = np.asarray(gain, dtype=float)
    return np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / (g.size if over_n else 1.0))


def _semi_axes_judge(got, expected, rtol: float, atol: float, case=None) -> str | None:
    """Values to the tolerance; a collapsed semi-axis (exactly 0) to the square root of round-off.

    An eigen-solver returns the collapsed eigenvalue ``μ = 0`` only to about ``N·ε_mach·max μ``;
    its square root is then ``√N`` times that to the power ½, a right answer that is not 0.
    """
    problem = default_judge(got, expected, rtol, atol)
    if problem is None or got.shape != np.shape(expected) or not np.all(np.isfinite(got)):
        return problem
    expected = np.asarray(expected, dtype=float)
    zero = expected == 0.0
    if not zero.any():
        return problem
    machine = np.finfo(np.float32 if rtol >= 1e-5 else np.float64).eps
    scale = max(1.0, float(np.max(np.abs(expected))))
    root_tol = 10.0 * np.sqrt(expected.size * machine) * scale
    if np.all(np.abs(got.astype(float)[zero]) <= root_tol) and default_judge(got[~zero], expected[~zero], rtol, atol) is None:
        return None
    return problem


def _semi_axes_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, gain, dtype=np.float64):
        gain = np.asarray(gain, dtype=float).astype(dtype)
        cases.append(Case(prop, {"gain": gain}, semi_axes(gain.astype(float))))

    if not hidden:
        add("N = 2: one semi-axis", [1.0, 2.0])
        add("N − 1 semi-axes, largest first", [0.5, 1.0, 2.0, 3.0])
        add("negative gains", [1.5, -0.7, 0.4, -2.0])
        add("one zero gain: still N − 1 positive semi-axes", [1.2, 0.0, 0.8, 2.0])
        add("two zero gains: one semi-axis collapses to 0", [1.2, 0.0, 0.0, 2.0])
        add("a gain repeated m times", [1.0, 1.0, 1.0, 2.0])
        for n in (16, 100, 768):
            add(f"matches the semi-axes on random gains (N = {n})", rng.normal(1.0, 0.4, n))
        return cases
    add("N = 2: one semi-axis", rng.uniform(0.2, 3.0, 2))
    n = int(rng.integers(4, 9))
    add("N − 1 semi-axes, largest first", rng.uniform(0.3, 3.0, n))
    add("negative gains", rng.uniform(0.3, 3.0, n) * np.where(np.arange(n) % 2, -1, 1))
    g = rng.uniform(0.3, 3.0, n)
    g[rng.integers(n)] = 0.0
    add("one zero gain: still N − 1 positive semi-axes", g)
    g = rng.uniform(0.3, 3.0, n)
    g[rng.choice(n, 2, replace=False)] = 0.0
    add("two zero gains: one semi-axis collapses to 0", g)
    add("a gain repeated m times", rng.permutation(np.r_[np.full(3, 1.5), rng.uniform(0.3, 3.0, n - 3)]))
    for n in (int(rng.integers(65, 400)), 384, 768):
        add(f"matches the semi-axes on trained-looking gains (N = {n})", _trained_gains(rng, n))
    add("matches the semi-axes on float32 gains (N = 768)", _trained_gains(rng, 768), dtype=np.float32)
    return cases


def check_semi_axes(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_semi_axes(gain)`` (exercise ``ex-semi-axes``).

    The answer: the ``N − 1`` semi-axes of LayerNorm's output ellipsoid, largest first,
    shape ``(N − 1,)``. Cases: N = 2, the order, negative gains, one zero gain, two zero gains
    (a collapsed semi-axis), repeated gains, random gains up to N = 768; hidden cases draw
    other gains from ``seed`` and add float32 gains.

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """
    mistakes = {
        "forgetting the factor √N": lambda gain: np.sqrt(np.clip(_eig_m(gain)[1:], 0, None))[::-1],
        "ascending order (the book lists semi-axes largest first)": lambda gain: np.sqrt(len(gain) * np.clip(_eig_m(gain)[1:], 0, None)),
        "dropping the 1/N in M = G² − g gᵀ/N": lambda gain: np.sqrt(len(gain) * np.clip(_eig_m(gain, False)[1:], 0, None))[::-1],
        "taking the largest N − 1 values of √N|g_n| (the N-dimensional ellipsoid, not its slice)": lambda gain: (np.sqrt(len(gain)) * np.sort(np.abs(gain))[::-1])[:-1],
    }
    return run_cases("semi_axes", student, _semi_axes_cases(seed, hidden), rtol=1e-8, atol=1e-9,
                     judge=_semi_axes_judge, mistakes=mistakes)


# -- principal axes ----------------------------------------------------------------------------

def _clusters(s: np.ndarray) -> list[np.ndarray]:
    """Index groups of (descending) semi-axes equal to within CLUSTER_RTOL of the largest."""
    s = np.asarray(s, dtype=float)
    if s.size == 0:
        return []
    tol = CLUSTER_RTOL * max(float(np.max(np.abs(s))), np.finfo(float).tiny)
    groups, start = [], 0
    for k in range(1, s.size + 1):
        if k == s.size or abs(s[k - 1] - s[k]) > tol:
            groups.append(np.arange(start, k))
            start = k
    return groups


def _convert_pair(value):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got, problem = to_array(value)
        what = problem or f"an array of shape {got.shape}"
        return None, f"must return a pair (semi_axes, axes), but it returned {what.removeprefix('returned ')}"
    parts = []
    for label, part in zip(("semi_axes", "axes"), value):
        arr, problem = to_array(part)
        if problem is not None:
            return None, f"returned {label} that is not usable: it {problem}"
        parts.append(arr)
    return tuple(parts), None


def _axes_judge(got, expected, rtol: float, atol: float, case) -> str | None:
    s, u = got
    s_ref, u_ref = expected
    n = np.asarray(case.kwargs["gain"]).size
    if u.shape == (n, n - 1) and s.shape == (n - 1,):
        return f"axes has shape {u.shape}: the exercise asks for the N − 1 axes as rows, shape ({n - 1}, {n})"
    if s.shape != (n - 1,) or u.shape != (n - 1, n):
        return f"expected shapes ({n - 1},) and ({n - 1}, {n}), got shapes {s.shape} and {u.shape}"
    s, u = s.astype(float), u.astype(float)
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(u))):
        return "returned non-finite values"
    problem = _semi_axes_judge(s, s_ref, rtol, atol)
    if problem is not None:
        return "semi_axes: " + problem
    gram_tol = max(1e-8, 100 * rtol)
    proj_tol = max(1e-6, 5 * rtol)
    if not np.allclose(u @ u.T, np.eye(n - 1), atol=gram_tol, rtol=0):
        return f"the axes must be orthonormal rows (max |U Uᵀ − I| = {np.max(np.abs(u @ u.T - np.eye(n - 1))):.2e})"
    gain = np.asarray(case.kwargs["gain"], dtype=float)
    overlap = u @ np.asarray(u_ref, dtype=float).T  # |P − P_ref|_F² = 2m − 2|C|_F² per cluster block C
    # An eigenvector is determined only to about ε_mach·max μ / (gap to the nearest other μ)
    # (Davis–Kahan): close semi-axes leave their axes less determined, in float32 especially.
    machine = np.finfo(np.float32 if rtol >= 1e-5 else np.float64).eps
    mu = np.asarray(s_ref, dtype=float) ** 2 / n
    for idx in _clusters(s_ref):
        others = np.delete(mu, idx)
        gap = float(np.min(np.abs(others - mu[idx[0]]))) if others.size else np.inf
        allowed = max(proj_tol, 10.0 * machine * float(mu.max()) / gap) if gap > 0 else np.inf
        if s_ref[idx[0]] == 0.0:
            off = float(np.max(np.abs(u[np.ix_(idx, np.flatnonzero(gain != 0))]), initial=0.0))
            if off > proj_tol:
                return f"axes {idx + 1} belong to collapsed semi-axes (0): they must lie in the span of the zero-gain neurons (off by {off:.2e})"
            continue
        block = overlap[np.ix_(idx, idx)]
        err = float(np.sqrt(max(0.0, 2.0 * idx.size - 2.0 * float(np.sum(block * block)))))
        if err > allowed:
            which = f"axis {idx[0] + 1}" if idx.size == 1 else f"axes {idx[0] + 1}–{idx[-1] + 1} (a repeated semi-axis)"
            return (f"{which} for semi-axis {s_ref[idx[0]]:.6g} points the wrong way "
                    f"(its projector differs by {err:.2e} in Frobenius norm; either sign and any orthonormal basis of a repeated semi-axis are accepted)")
    return None


def _principal_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, gain, dtype=np.float64):
        gain = np.asarray(gain, dtype=float).astype(dtype)
        cases.append(Case(prop, {"gain": gain}, principal_axes(gain.astype(float))))

    if not hidden:
        add("N = 2: one axis, along (g₁, −g₂)", [1.0, 2.0])
        add("N − 1 axes as rows, largest semi-axis first", [0.5, 1.0, 2.0, 3.0])
        add("negative gains mirror the axes", [1.5, -0.7, 0.4, -2.0])
        add("one zero gain", [1.2, 0.0, 0.8, 2.0])
        add("two zero gains: a collapsed axis", [1.2, 0.0, 0.0, 2.0])
        add("a repeated gain: any orthonormal basis of the repeated axis' plane", [1.0, 1.0, 1.0, 2.0])
        add("unit gains: every axis has the same length", np.ones(5))
        for n in (16, 100):
            add(f"matches the principal axes on random gains (N = {n})", rng.normal(1.0, 0.4, n))
        add("matches the principal axes on trained-looking gains (N = 384)", _trained_gains(rng, 384))
        return cases
    add("N = 2: one axis", rng.uniform(0.2, 3.0, 2))
    n = int(rng.integers(4, 9))
    add("N − 1 axes as rows, largest semi-axis first", rng.uniform(0.3, 3.0, n))
    add("negative gains mirror the axes", rng.uniform(0.3, 3.0, n) * np.where(np.arange(n) % 2, -1, 1))
    g = rng.uniform(0.3, 3.0, n)
    g[rng.choice(n, 2, replace=False)] = 0.0
    add("two zero gains: a collapsed axis", g)
    add("a repeated gain: any orthonormal basis", rng.permutation(np.r_[np.full(3, 1.5), np.full(2, -0.7), rng.uniform(2.0, 3.0, 2)]))
    for n in (int(rng.integers(65, 300)), 768):
        add(f"matches the principal axes on trained-looking gains (N = {n})", _trained_gains(rng, n))
    add("matches the principal axes on float32 gains (N = 32)", rng.permutation(np.linspace(0.5, 2.5, 32)), dtype=np.float32)
    return cases


def _mistake_axes(gain, *, over_n=True, root_n=True, ascending=False):
    g = np.asarray(gain, dtype=float)
    mu, vec = np.linalg.eigh(np.diag(g * g) - np.outer(g, g) / (g.size if over_n else 1.0))
    s = np.sqrt((g.size if root_n else 1.0) * np.clip(mu[1:], 0, None))
    u = vec[:, 1:].T
    return (s, u) if ascending else (s[::-1], u[::-1])


def check_principal_axes(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_principal_axes(gain)`` (exercise ``ex-principal-axes``).

    The answer: a pair ``(semi_axes, axes)`` — the ``N − 1`` semi-axes of the output
    ellipsoid, largest first, and its principal axes as orthonormal **rows**, shape
    ``(N − 1, N)``, row ``k`` along semi-axis ``k`` (collapsed semi-axes, of length 0,
    last). Either sign of each axis, and any orthonormal basis of the
    axes of a repeated semi-axis, is accepted (see the module notes). Cases: N = 2, the order,
    negative, zero and repeated gains, unit gains, random and trained-looking gains up to
    N = 384 (hidden: up to 768, and float32).

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """
    mistakes = {
        "dropping the 1/N in M = G² − g gᵀ/N": lambda gain: _mistake_axes(gain, over_n=False),
        "forgetting the factor √N in the semi-axes": lambda gain: _mistake_axes(gain, root_n=False),
        "ascending order (the book lists semi-axes largest first)": lambda gain: _mistake_axes(gain, ascending=True),
    }
    return run_cases("principal_axes", student, _principal_cases(seed, hidden), rtol=1e-8, atol=1e-9,
                     judge=_axes_judge, convert=_convert_pair, mistakes=mistakes, tol32=(2e-4, 2e-5))


# -- slice coordinates -------------------------------------------------------------------------

_SEMI_AXES_CACHE: dict[int, tuple[object, np.ndarray]] = {}


def _semi_axes_of(case) -> np.ndarray:
    gain = case.kwargs["gain"]
    hit = _SEMI_AXES_CACHE.get(id(case))
    if hit is None or hit[0] is not case:
        if len(_SEMI_AXES_CACHE) > 64:
            _SEMI_AXES_CACHE.clear()
        hit = (case, semi_axes(np.asarray(gain, dtype=float)))
        _SEMI_AXES_CACHE[id(case)] = hit
    return hit[1]


def _slice_judge(got, expected, rtol: float, atol: float, case) -> str | None:
    problem, got, expected = shape_and_finiteness(got, expected, why=" (one coordinate per semi-axis)")
    if problem is not None:
        return problem
    s_ref = _semi_axes_of(case)
    for idx in _clusters(s_ref):
        if s_ref[idx[0]] == 0.0:
            continue
        a, b = float(np.linalg.norm(got[idx])), float(np.linalg.norm(expected[idx]))
        if not allclose_scaled(np.array([a]), np.array([b]), rtol, atol):
            which = f"coordinate {idx[0] + 1}" if idx.size == 1 else f"coordinates {idx[0] + 1}–{idx[-1] + 1} (a repeated semi-axis; compared by their length)"
            return f"{which} for semi-axis {s_ref[idx[0]]:.6g}: expected ±{b:.8g}, got {a:.8g} (either sign is accepted)"
    return None


def _slice_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, y, gain, bias, dtype=np.float64):
        y, gain, bias = (np.asarray(v, dtype=float).astype(dtype) for v in (y, gain, bias))
        cases.append(Case(prop, {"y": y, "gain": gain, "bias": bias},
                          slice_coordinates(y.astype(float), gain.astype(float), bias.astype(float))))

    def output(a, gain, bias, eps=1e-5):
        return layer_norm(a, gain, bias, eps=eps)

    n = int(rng.integers(4, 8)) if hidden else 5
    g = rng.uniform(0.3, 3.0, n)
    b = rng.normal(0, 1, n)
    add("a vertex b + s₁u₁ has coordinates (±1, 0, …, 0)", b + principal_axes(g)[0][0] * principal_axes(g)[1][0], g, b)
    add("b itself has coordinates 0", b, g, b)
    add("an output with ε = 0 lies on the surface: Σ c_k² = 1", output(rng.normal(size=n), g, b, eps=0.0), g, b)
    add("the bias is subtracted first", output(rng.normal(size=n), g, 5 * b), g, 5 * b)
    add("a small-variance input lands inside: Σ c_k² = r² < 1", output(0.003 * rng.normal(size=n), g, b), g, b)
    gneg = g * np.where(np.arange(n) % 2, -1, 1)
    add("negative gains", output(rng.normal(size=n), gneg, b), gneg, b)
    add("N = 2", output(rng.normal(size=2), g[:2], b[:2]), g[:2], b[:2])
    add("a repeated gain: coordinates along a repeated semi-axis are compared by their length",
        output(rng.normal(size=5), np.array([1.0, 1.0, 1.0, 2.0, 0.5]), b[:1].repeat(5)), np.array([1.0, 1.0, 1.0, 2.0, 0.5]), b[:1].repeat(5))
    widths = (384,) if not hidden else (int(rng.integers(65, 300)), 384, 768)
    for width in widths:
        gw, bw = _trained_gains(rng, width), rng.normal(0, 0.1, width)
        add(f"a token-like activation's LayerNorm output (N = {width})", output(rng.standard_t(4, width) * 0.5 + 0.1, gw, bw), gw, bw)
    if hidden:
        gw, bw = rng.permutation(np.linspace(0.5, 2.5, 32)), rng.normal(0, 0.1, 32)
        add("float32 inputs (N = 32)", output(rng.normal(size=32), gw, bw), gw, bw, dtype=np.float32)
    return cases


def check_slice_coordinates(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_slice_coordinates(y, gain, bias)`` (exercise ``ex-slice-coordinates``).

    ``y`` is a point of the output set (e.g. a LayerNorm output, ``N = 384`` for a MiniLM
    token); the answer is its ``N − 1`` coordinates in the principal-axis frame, measured in
    units of the semi-axes (so a vertex has coordinates ``±1`` and ``0``), largest semi-axis
    first, shape ``(N − 1,)``; coordinates along collapsed semi-axes (length 0) are not
    checked. The sign of
    each coordinate depends on the sign chosen for its axis, and along a repeated semi-axis on
    the basis chosen, so each coordinate is compared by its absolute value, and the
    coordinates of a repeated semi-axis by their Euclidean length. Cases: a vertex, ``b``, a
    surface point, a large bias, an interior point, negative and repeated gains, ``N = 2``,
    ``N = 384`` (hidden: up to 768, and float32).

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """

    def coords(y, gain, bias, *, bias_sign=1.0, scale=True, root_n=True):
        g = np.asarray(gain, dtype=float)
        s, u = _mistake_axes(g, root_n=root_n)
        c = u @ (np.asarray(y, float) - bias_sign * np.asarray(bias, float))
        return c / np.where(s > 0, s, 1.0) if scale else c

    mistakes = {
        "forgetting to subtract the bias": lambda y, g, b: coords(y, g, b, bias_sign=0.0),
        "not dividing by the semi-axes (lengths u_k·(y − b), not coordinates in units of s_k)": lambda y, g, b: coords(y, g, b, scale=False),
        "semi-axes without the factor √N": lambda y, g, b: coords(y, g, b, root_n=False),
    }
    return run_cases("slice_coordinates", student, _slice_cases(seed, hidden), rtol=1e-7, atol=1e-9,
                     judge=_slice_judge, mistakes=mistakes, tol32=(2e-4, 2e-5))


# -- membership --------------------------------------------------------------------------------

def _bool_judge(got, expected, rtol, atol, case=None) -> str | None:
    if got.shape != ():
        return f"expected one yes/no answer (a bool), got an array of shape {got.shape}"
    if got.dtype != bool and not (got.dtype.kind in "iu" and got.item() in (0, 1)):
        return f"expected a bool (True/False), got {got.item()!r} ({got.dtype})"
    if bool(got) != bool(expected):
        return f"expected {bool(expected)}, got {bool(got)}"
    return None


def _membership_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, y, gain, bias, dtype=np.float64):
        y, gain, bias = (np.asarray(v, dtype=float).astype(dtype) for v in (y, gain, bias))
        inside = bool(ellipsoid_contains(y.astype(float), gain.astype(float), bias.astype(float)))
        cases.append(Case(prop, {"y": y, "gain": gain, "bias": bias}, np.bool_(inside)))

    n = int(rng.integers(4, 8)) if hidden else 5
    g = rng.uniform(0.4, 3.0, n)
    b = rng.normal(0, 1, n)
    s, u = principal_axes(g)
    y = layer_norm(rng.normal(size=n), g, b)
    add("a LayerNorm output is in the set", y, g, b)
    add("the centre b is in the set", b, g, b)
    add("a point pushed 1% beyond the surface (y − b scaled by 1.01) is not", b + 1.01 * (layer_norm(rng.normal(size=n), g, b, eps=0.0) - b), g, b)
    add("a point 1% inside the surface along the shortest axis is in", b + 0.99 * s[-1] * u[-1], g, b)
    add("a point 1% outside the surface along the shortest axis is not (the slice is thinner than the N-dim ellipsoid)", b + 1.01 * s[-1] * u[-1], g, b)
    off = np.asarray(1.0 / g) / np.linalg.norm(1.0 / g)
    add("a point inside the N-dim ellipsoid but off the hyperplane is not", y + 0.05 * np.sqrt(n) * off, g, b)
    gneg = g * np.where(np.arange(n) % 2, -1, 1)
    yneg = layer_norm(rng.normal(size=n), gneg, b)
    add("negative gains: a LayerNorm output is in the set", yneg, gneg, b)
    add("negative gains: the output mirrored onto |g| is not", b + np.sign(gneg) * (yneg - b), gneg, b)
    add("a large bias: a LayerNorm output is in the set", layer_norm(rng.normal(size=n), g, 10 + b), g, 10 + b)
    gz = g.copy()
    gz[0] = 0.0
    yz = layer_norm(rng.normal(size=n), gz, b)
    add("one zero gain: a LayerNorm output (y₀ = b₀) is in the set", yz, gz, b)
    yz2 = yz.copy()
    yz2[0] += 0.1
    add("one zero gain: a point with y₀ ≠ b₀ is not", yz2, gz, b)
    widths = (384,) if not hidden else (384, 768)
    for width in widths:
        gw, bw = _trained_gains(rng, width), rng.normal(0, 0.1, width)
        a = rng.standard_t(4, width) * 0.5 + 0.3
        add(f"a token's LayerNorm output is in the set (N = {width})", layer_norm(a, gw, bw), gw, bw)
        add(f"a token's LayerNorm input (not normalised) is not (N = {width})", a, gw, bw)
    if hidden:
        # float32 points that no float32 round-off can move across the boundary
        gw, bw = rng.permutation(np.linspace(0.5, 2.5, 32)), rng.normal(0, 0.1, 32)
        add("float32: the centre b is in the set (N = 32)", bw, gw, bw, dtype=np.float32)
        add("float32: a LayerNorm input (not normalised) is not (N = 32)", rng.normal(0.5, 2.0, 32), gw, bw, dtype=np.float32)
    return cases


def check_in_output_set(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_in_output_set(y, gain, bias)`` (exercise ``ex-in-output-set``).

    The answer is a bool: does ``y`` lie in the closed output set of LayerNorm with this gain
    and bias (any ``ε ≥ 0``)? Every case is either an exact LayerNorm output (in the set,
    just inside its surface) or a point clearly outside it (beyond its surface, or off its
    hyperplane): any relative round-off tolerance between 1e-9 and 1e-3 gives the same answer.
    Python and numpy bools are accepted, and the integers 0 and 1. Cases: outputs, the centre,
    points just outside the surface, a point off the hyperplane, negative gains, a large bias,
    a zero gain, a token-like activation before and after LayerNorm at N = 384 (hidden: 768,
    float32).

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """

    def in_n_ellipsoid(y, g, b):
        with np.errstate(all="ignore"):
            return bool(np.sum(((np.asarray(y, float) - b) / g) ** 2) <= len(g) * (1 + 1e-9))

    def on_plane(y, g, b):
        with np.errstate(all="ignore"):
            alpha = 1.0 / np.asarray(g, float)
            return bool(abs(alpha @ (np.asarray(y, float) - b)) <= 1e-9 * np.linalg.norm(alpha) * np.linalg.norm(np.asarray(y, float) - b) + 1e-12)

    mistakes = {
        "checking only the N-dimensional ellipsoid Σ((y − b)/g)² ≤ N (the hyperplane was forgotten)": in_n_ellipsoid,
        "checking only the hyperplane (the ellipsoid was forgotten)": on_plane,
    }
    return run_cases("in_output_set", student, _membership_cases(seed, hidden), judge=_bool_judge,
                     convert=lambda v: to_array(v, allow_bool=True), mistakes=mistakes)


# -- preimage of a surface point ---------------------------------------------------------------

def _preimage_judge(got, expected, rtol: float, atol: float, case) -> str | None:
    """``got`` and ``expected`` are inputs; they agree when LN(·; ε = 0) maps them to the same point."""
    problem, got, expected = shape_and_finiteness(got, expected, "an input of shape")
    if problem is not None:
        return problem
    gain = np.asarray(case.kwargs["gain"], dtype=float)
    bias = np.asarray(case.kwargs["bias"], dtype=float)
    spread = float(np.max(got) - np.min(got))
    if not spread > 1e-12 * max(float(np.max(np.abs(got))), 1e-300):
        return f"your input {_fmt(got)} is constant: LayerNorm with ε = 0 is undefined there"
    target = layer_norm(expected, gain, bias, eps=0.0)
    mine = layer_norm(got, gain, bias, eps=0.0)
    scale = np.sqrt(gain.size) * float(np.max(np.abs(gain)))
    err = float(np.max(np.abs(mine - target)))
    if err > atol * max(scale, 1.0) + rtol * scale:
        return f"LN(your a; ε = 0) = {_fmt(mine)}, but it must be {_fmt(target)} (max error {err:.2e})"
    return None


def _preimage_cases(seed: int, hidden: bool) -> list[Case]:
    rng = case_rng(seed, hidden)
    cases: list[Case] = []

    def add(prop, y, gain, bias, dtype=np.float64):
        y, gain, bias = (np.asarray(v, dtype=float).astype(dtype) for v in (y, gain, bias))
        g64 = gain.astype(float)
        cases.append(Case(prop, {"y": y, "gain": gain, "bias": bias}, (y.astype(float) - bias.astype(float)) / g64))

    n = int(rng.integers(4, 8)) if hidden else 5
    g = rng.uniform(0.4, 3.0, n)
    b = rng.normal(0, 1, n)
    s, u = principal_axes(g)
    add("the vertex b + s₁u₁ at the end of the longest axis", b + s[0] * u[0], g, b)
    add("the vertex b − s_{N−1}u_{N−1} at the end of the shortest axis", b - s[-1] * u[-1], g, b)
    add("a vertex with zero bias and unit-size gains", s[1] * u[1], g, np.zeros(n))
    add("a surface point LN(a; ε = 0)", layer_norm(rng.normal(size=n), g, b, eps=0.0), g, b)
    add("a large bias", layer_norm(rng.normal(size=n), g, 10 + b, eps=0.0), g, 10 + b)
    gneg = g * np.where(np.arange(n) % 2, -1, 1)
    sn, un = principal_axes(gneg)
    add("negative gains: a vertex", b + sn[0] * un[0], gneg, b)
    add("N = 2: an end of the segment", b[:2] + np.array([g[0], -g[1]]), g[:2], b[:2])
    widths = (384,) if not hidden else (384, 768)
    for width in widths:
        gw, bw = _trained_gains(rng, width), rng.normal(0, 0.1, width)
        add(f"a token's LayerNorm output with ε = 0 (N = {width})", layer_norm(rng.standard_t(4, width) * 0.5 + 0.3, gw, bw, eps=0.0), gw, bw)
        sw, uw = principal_axes(gw)
        add(f"the vertex of the longest axis (N = {width})", bw + sw[0] * uw[0], gw, bw)
    if hidden:
        gw, bw = rng.permutation(np.linspace(0.5, 2.5, 32)), rng.normal(0, 0.1, 32)
        add("float32 inputs (N = 32)", layer_norm(rng.normal(size=32), gw, bw, eps=0.0), gw, bw, dtype=np.float32)
    return cases


def check_vertex_preimage(student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
    r"""Check a student's ``my_vertex_preimage(y, gain, bias)`` (exercise ``ex-vertex-preimage``).

    ``y`` is a point on the surface of the output ellipsoid — a vertex ``b ± s_k u_k`` or any
    output of LayerNorm with ``ε = 0``; every gain is nonzero. The answer is an input ``a`` of
    shape ``(N,)`` with ``LN(a; g, b, ε = 0) = y``. Such inputs are unique only up to adding
    a multiple of ``1`` and multiplying by a positive number, so what is checked is exactly
    that: ``a`` is finite and not constant, and ``lngeo.layer_norm(a, gain, bias, eps=0)``
    equals ``y`` to ``1e-7 · √N max|g|`` (float32 cases: ``2e-4 · √N max|g|``). Cases:
    vertices of the longest and shortest axes, surface points, a large bias, negative gains,
    ``N = 2``, and a token-like point and a vertex at ``N = 384`` (hidden: 768, float32).

    Returns
    -------
    CheckResult
        Truthy iff every case passes.
    """
    mistakes = {
        "multiplying by the gain instead of dividing by it": lambda y, g, b: np.asarray(g, float) * (np.asarray(y, float) - b),
        "forgetting to subtract the bias": lambda y, g, b: np.asarray(y, float) / g,
        "not undoing the gain (returning y − b)": lambda y, g, b: np.asarray(y, float) - b,
        "dividing by |g| (the signs of negative gains were dropped)": lambda y, g, b: (np.asarray(y, float) - b) / np.abs(g),
    }
    return run_cases("vertex_preimage", student, _preimage_cases(seed, hidden), rtol=1e-7, atol=1e-9,
                     judge=_preimage_judge, mistakes=mistakes, tol32=(2e-4, 2e-5))
