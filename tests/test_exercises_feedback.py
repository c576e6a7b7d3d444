"""Feedback that is never wrong: the exercise checkers' contract (issue 11).

Right answers written in unusual ways pass; wrong-but-plausible ones fail with a true
diagnosis or none; unusable return values, hangs and in-place mutation are reported as such;
hidden cases differ from the visible ones; stubs score 0 and reference solutions 1.
"""

from __future__ import annotations

import ast
import inspect
import pkgutil
import threading

import numpy as np
import pytest
import torch

import lngeo
import lngeo.exercises
from lngeo.core import layer_norm, project, radial_fraction
from lngeo.exercises import CHECKERS, CheckResult, Exercise, checking
from lngeo.exercises.dynamics import _arc_reference
from lngeo.geometry import ellipsoid_contains, hyperplane_normal, jacobian, principal_axes, semi_axes, slice_coordinates
from lngeo.model_geometry import tilt_angle

# -- reference solutions, written the way a student might (numpy only) --------------------------


def ref_layer_norm(x, gain, bias, eps):
    return gain * (x - x.mean()) / np.sqrt(x.var() + eps) + bias


def ref_batched(x, gain, bias, eps):
    mu = x.mean(axis=-1, keepdims=True)
    return gain * (x - mu) / np.sqrt(x.var(axis=-1, keepdims=True) + eps) + bias


def ref_project(x):
    return x - x.mean()


def ref_radial(x, eps):
    v = x.var()
    return np.sqrt(v / (v + eps))


def ref_normal(gain):
    g = np.asarray(gain, dtype=float)
    if np.any(g == 0):
        return (g == 0).astype(float)
    alpha = np.abs(g).min() / g
    return alpha / np.linalg.norm(alpha)


def _eigh_m(gain):
    g = np.asarray(gain, dtype=float)
    return np.linalg.eigh(np.diag(g * g) - np.outer(g, g) / g.size)


def ref_semi_axes(gain):
    g = np.asarray(gain, dtype=float)
    mu = np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / g.size)
    return np.sqrt(g.size * np.clip(mu[1:], 0, None))[::-1]


def ref_principal_axes(gain):
    g = np.asarray(gain, dtype=float)
    mu, vec = _eigh_m(g)
    return np.sqrt(g.size * np.clip(mu[1:], 0, None))[::-1], vec[:, 1:].T[::-1]


def ref_slice(y, gain, bias):
    s, u = ref_principal_axes(gain)
    c = u @ (np.asarray(y, float) - bias)
    return c / np.where(s > 0, s, 1.0)


def ref_in_set(y, gain, bias):
    return bool(ellipsoid_contains(y, gain, bias))


def ref_preimage(y, gain, bias):
    return (np.asarray(y, float) - bias) / gain


def ref_jacobian(x, gain, eps):
    n = x.size
    inv = 1 / np.sqrt(x.var() + eps)
    z = (x - x.mean()) * inv
    return gain[:, None] * inv * (np.eye(n) - 1 / n - np.outer(z, z) / n)


def ref_arc(a, c):
    p, q = a - a.mean(), c - c.mean()
    cos = p @ q / (np.linalg.norm(p) * np.linalg.norm(q))
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def ref_tilt(gain):
    g = np.asarray(gain, dtype=float)
    zero = g == 0
    if zero.any():
        return np.degrees(np.arccos(np.sqrt(zero.sum() / g.size)))
    alpha = np.abs(g).min() / g
    cos = abs(alpha.sum()) / (np.sqrt(g.size) * np.linalg.norm(alpha))
    return np.degrees(np.arccos(min(cos, 1.0)))


REFERENCES = {
    "ex-ln-implement": [ref_layer_norm, lambda x, g, b, e: layer_norm(x, g, b, eps=e)],
    "ex-batched-layer-norm": [ref_batched, lambda x, g, b, e: layer_norm(x, g, b, eps=e)],
    "ex-proj-implement": [ref_project, project],
    "ex-scale-implement": [ref_radial, lambda x, e: radial_fraction(x, eps=e)],
    "ex-affine-implement": [ref_normal, hyperplane_normal],
    "ex-semi-axes": [ref_semi_axes, semi_axes],
    "ex-principal-axes": [ref_principal_axes, principal_axes],
    "ex-slice-coordinates": [ref_slice, slice_coordinates],
    "ex-in-output-set": [ref_in_set],
    "ex-vertex-preimage": [ref_preimage],
    "ex-jacobian": [ref_jacobian, lambda x, g, e: jacobian(x, g, eps=e)],
    "ex-arc": [ref_arc, _arc_reference],
    "ex-tilt-angle": [ref_tilt, tilt_angle],
}

LABELS = sorted(CHECKERS)


# -- the interface ---------------------------------------------------------------------------


def test_registry_covers_the_chapter_labels_and_new_exercises():
    chapter_labels = {"ex-ln-implement", "ex-proj-implement", "ex-scale-implement", "ex-affine-implement",
                      "ex-semi-axes", "ex-jacobian", "ex-tilt-angle"}
    new = {"ex-principal-axes", "ex-slice-coordinates", "ex-in-output-set", "ex-vertex-preimage",
           "ex-batched-layer-norm", "ex-arc"}
    assert set(CHECKERS) == chapter_labels | new
    assert set(REFERENCES) == set(CHECKERS)
    for label, entry in CHECKERS.items():
        assert isinstance(entry, Exercise) and entry.label == label
        assert entry.function_name.startswith("my_") and entry.points > 0
        sig = inspect.signature(entry.checker)
        assert list(sig.parameters) == ["student", "seed", "hidden"]
        assert sig.parameters["seed"].default == 0
        assert sig.parameters["hidden"].kind is inspect.Parameter.KEYWORD_ONLY and sig.parameters["hidden"].default is False


def test_registry_names_the_functions_the_chapters_use():
    import json
    from pathlib import Path

    chapters = Path(__file__).resolve().parents[1] / "chapters"
    for label, entry in CHECKERS.items():
        notebook = chapters / f"{entry.chapter}.ipynb"
        assert notebook.exists(), entry.chapter
        text = "".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"])
        if f":label: {label}" in text:  # an exercise already in the chapter: same function and checker
            assert f"def {entry.function_name}(" in text, (label, entry.function_name)
            assert f"{entry.checker.__name__}({entry.function_name})" in text


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_every_reference_solution_scores_one(label, hidden):
    for student in REFERENCES[label]:
        for seed in (0, 1, 3, 5):  # seeds 1 and 3 draw collapsed semi-axes that eigvalsh returns as ~1e-8
            result = CHECKERS[label](student, seed, hidden=hidden)
            assert result.passed and bool(result), (label, result.report())
            assert result.score == 1.0 and result.n_passed == result.n_cases >= 8
            assert result.diagnosis is None


def _not_implemented(*args):
    raise NotImplementedError


def _ellipsis(*args):
    ...
    return ...


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_stubs_score_zero(label, hidden):
    for stub, named in ((_not_implemented, "NotImplementedError"), (_ellipsis, "Ellipsis")):
        result = CHECKERS[label](stub, 1, hidden=hidden)
        assert not result and result.passed is False
        assert result.score == 0.0
        assert named in result.message and result.diagnosis is None
        report = result.report()
        assert report.count("✘") == result.n_cases and "score 0.00" in report


class Recorder:
    """Wraps a right answer and keeps every argument tuple it was called with."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, *args):
        self.calls.append(tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args))
        return self.fn(*args)


def _fingerprints(calls):
    return {tuple(a.tobytes() if isinstance(a, np.ndarray) else repr(a) for a in args) for args in calls}


@pytest.mark.parametrize("label", LABELS)
def test_hidden_cases_are_other_inputs_with_real_widths_and_float32(label):
    visible, hidden, hidden2 = (Recorder(REFERENCES[label][0]) for _ in range(3))
    CHECKERS[label](visible, 0)
    CHECKERS[label](hidden, 0, hidden=True)
    CHECKERS[label](hidden2, 1, hidden=True)
    assert not _fingerprints(visible.calls) & _fingerprints(hidden.calls)  # no visible case reused
    assert _fingerprints(hidden.calls) != _fingerprints(hidden2.calls)  # the seed draws the hidden inputs
    arrays = [a for args in hidden.calls for a in args if isinstance(a, np.ndarray)]
    assert max(a.shape[-1] for a in arrays) == 768 or label == "ex-arc" and max(a.shape[-1] for a in arrays) >= 384
    assert any(a.dtype == np.float32 for a in arrays)
    if label == "ex-batched-layer-norm":
        assert any(args[0].ndim >= 2 and args[0].shape[0] != args[0].shape[-1] for args in hidden.calls)
        assert any(args[0].ndim == 3 for args in hidden.calls)


def test_report_lists_every_case_and_the_score_is_the_fraction_passed():
    def only_small(x, gain, bias, eps):  # right for N <= 64 only
        out = ref_layer_norm(x, gain, bias, eps)
        return out if x.size <= 64 else out + 0.01

    result = CHECKERS["ex-ln-implement"](only_small)
    assert not result
    lines = result.report().splitlines()
    assert len(lines) == 1 + result.n_cases
    n_fail = sum(line.startswith("✘") for line in lines)
    assert n_fail == len(result.failures) == 2  # N = 128 and N = 768
    assert result.score == pytest.approx((result.n_cases - n_fail) / result.n_cases)
    assert "N = 128" in result.message and result.diagnosis is None
    hidden = CHECKERS["ex-ln-implement"](only_small, 3, hidden=True)
    assert not hidden and 0 < hidden.score < 1


# -- right but unusual -------------------------------------------------------------------------


def ln_loops(x, gain, bias, eps):
    n = len(x)
    mean = 0.0
    for v in x:
        mean += v
    mean /= n
    var = 0.0
    for v in x:
        var += (v - mean) ** 2
    var /= n
    return np.array([gain[i] * (x[i] - mean) / (var + eps) ** 0.5 + bias[i] for i in range(n)])


def ln_composition(x, gain, bias, eps):  # √N Πa / √(|Πa|² + Nε), then the affine map
    n = x.size
    p = x - x.sum() / n
    return gain * np.sqrt(n) * p / np.sqrt(p @ p + n * eps) + bias


def ln_torch64(x, gain, bias, eps):
    t = torch.as_tensor(x, dtype=torch.float64)
    return torch.nn.functional.layer_norm(t, (t.shape[-1],), torch.as_tensor(gain, dtype=torch.float64),
                                          torch.as_tensor(bias, dtype=torch.float64), eps)


def ln_torch_grad(x, gain, bias, eps):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    g = torch.tensor(gain, dtype=torch.float64, requires_grad=True)
    return g * (t - t.mean()) / torch.sqrt(t.var(unbiased=False) + eps) + torch.as_tensor(bias)


def ln_float32(x, gain, bias, eps):
    x32 = np.asarray(x, dtype=np.float32)
    out = (x32 - x32.mean()) / np.sqrt(x32.var() + np.float32(eps))
    return (gain.astype(np.float32) * out + bias.astype(np.float32)).astype(np.float32)


def ln_torch32(x, gain, bias, eps):
    return torch.nn.functional.layer_norm(torch.tensor(x.tolist()), (len(x),), torch.tensor(gain.tolist()),
                                          torch.tensor(bias.tolist()), eps)


def ln_positional_only(a, g, b, e, /):
    return g * (a - a.mean()) / np.sqrt(a.var() + e) + b


def standard(a, g, b, eps):  # chapter 1's own function, parameter names and all
    mu = a.mean(axis=-1, keepdims=True)
    var = a.var(axis=-1, keepdims=True)
    return g * (a - mu) / np.sqrt(var + eps) + b


def ln_varargs(*args):
    x, gain, bias, eps = args
    return ref_layer_norm(x, gain, bias, eps)


def ln_list(x, gain, bias, eps):
    return ref_layer_norm(x, gain, bias, eps).tolist()


RIGHT_LAYER_NORMS = [ln_loops, ln_composition, ln_torch64, ln_torch_grad, ln_float32, ln_torch32,
                     ln_positional_only, standard, ln_varargs, ln_list]


@pytest.mark.parametrize("student", RIGHT_LAYER_NORMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_right_but_unusual_layer_norms_pass(student, hidden):
    result = CHECKERS["ex-ln-implement"](student, 2, hidden=hidden)
    assert result.passed, result.report()


def test_float32_answers_are_judged_at_float32_precision_and_the_verdict_says_so():
    result = CHECKERS["ex-ln-implement"](ln_float32)
    assert result.passed
    assert "judged at float32 precision" in result.message
    assert "float32" in result.report()
    # and the same function is held to float64 precision when it returns float64
    result64 = CHECKERS["ex-ln-implement"](lambda *a: ln_float32(*a).astype(np.float64))
    assert not result64.passed and result64.diagnosis is None


def test_a_float32_answer_a_little_beyond_float32_rounding_is_called_precision_not_a_mistake():
    def rough32(x, gain, bias, eps):
        return (ref_layer_norm(x, gain, bias, eps) * (1 + 3e-4)).astype(np.float32)

    result = CHECKERS["ex-ln-implement"](rough32)
    assert not result.passed
    assert result.diagnosis is None
    assert all("precision" in f or "must" in f for f in result.failures)
    assert sum("may be precision alone" in f for f in result.failures) >= 5


@pytest.mark.parametrize("student", [standard, ln_torch64], ids=["numpy", "torch"])
@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
def test_batched_solutions_pass_the_batched_exercise(student, hidden):
    assert CHECKERS["ex-batched-layer-norm"](student, 4, hidden=hidden).passed


def _rotate_within_clusters(s, u, rng):
    """Flip signs and rotate each repeated semi-axis' rows by a random orthogonal matrix."""
    u = u * rng.choice([-1.0, 1.0], size=(u.shape[0], 1))
    start = 0
    for k in range(1, len(s) + 1):
        if k == len(s) or abs(s[k] - s[k - 1]) > 1e-9 * s[0]:
            if k - start > 1:
                q, _ = np.linalg.qr(rng.normal(size=(k - start, k - start)))
                u[start:k] = q @ u[start:k]
            start = k
    return u


def test_principal_axes_accept_any_signs_and_any_basis_of_a_repeated_semi_axis():
    rng = np.random.default_rng(0)

    def rotated(gain):
        s, u = principal_axes(gain)
        return s, _rotate_within_clusters(s, u, rng)

    for hidden in (False, True):
        assert CHECKERS["ex-principal-axes"](rotated, 0, hidden=hidden).passed
    # the rotation is real: the repeated case's rows differ from the reference rows
    s, u = rotated(np.array([1.0, 1.0, 1.0, 2.0]))
    assert not np.allclose(np.abs(u), np.abs(principal_axes([1.0, 1.0, 1.0, 2.0])[1]))


def test_slice_coordinates_accept_the_signs_and_bases_of_the_axes():
    rng = np.random.default_rng(1)

    def mine(y, gain, bias):
        s, u = principal_axes(gain)
        u = _rotate_within_clusters(s, u, rng)
        return (u @ (y - bias)) / np.where(s > 0, s, 1.0)

    for hidden in (False, True):
        assert CHECKERS["ex-slice-coordinates"](mine, 0, hidden=hidden).passed


def test_any_preimage_up_to_shift_and_positive_scale_is_accepted_and_a_negative_scale_is_not():
    def shifted_scaled(y, gain, bias):
        return 3.7 * (y - bias) / gain - 12.0

    assert CHECKERS["ex-vertex-preimage"](shifted_scaled).passed
    assert CHECKERS["ex-vertex-preimage"](shifted_scaled, hidden=True).passed
    flipped = CHECKERS["ex-vertex-preimage"](lambda y, g, b: -(y - b) / g)
    assert not flipped and flipped.score == 0.0
    constant = CHECKERS["ex-vertex-preimage"](lambda y, g, b: np.ones_like(y))
    assert not constant and "constant" in constant.message


def test_membership_cases_are_far_from_the_boundary():
    rec = Recorder(ref_in_set)
    for hidden in (False, True):
        CHECKERS["ex-in-output-set"](rec, 0, hidden=hidden)
    for y, g, b in rec.calls:
        y, g, b = (np.asarray(v, float) for v in (y, g, b))
        assert bool(ellipsoid_contains(y, g, b, rtol=1e-9)) == bool(ellipsoid_contains(y, g, b, rtol=1e-3))
    truths = [bool(ellipsoid_contains(*(np.asarray(v, float) for v in args))) for args in rec.calls]
    assert 0.3 < np.mean(truths) < 0.7  # "always True" and "always False" both fail


def test_membership_accepts_numpy_bools_and_0_1_and_rejects_a_probability():
    assert CHECKERS["ex-in-output-set"](lambda y, g, b: np.bool_(ref_in_set(y, g, b))).passed
    assert CHECKERS["ex-in-output-set"](lambda y, g, b: int(ref_in_set(y, g, b))).passed
    result = CHECKERS["ex-in-output-set"](lambda y, g, b: 0.9 if ref_in_set(y, g, b) else 0.1)
    assert not result and "expected a bool" in result.message


# -- wrong but plausible: fail, with a true diagnosis or none ----------------------------------
# Each entry: (label, wrong function, words of the true mistake or None). When the words are
# None no diagnosis may be given; otherwise a diagnosis, if given, must contain them.


def _ln(x, gain, bias, eps, axis=-1, ddof=0):
    mu = np.mean(x, axis=axis, keepdims=True)
    return gain * (x - mu) / np.sqrt(np.var(x, axis=axis, ddof=ddof, keepdims=True) + eps) + bias


def _mistake_axes(gain, over_n=True, root_n=True):
    g = np.asarray(gain, dtype=float)
    mu, vec = np.linalg.eigh(np.diag(g * g) - np.outer(g, g) / (g.size if over_n else 1.0))
    return np.sqrt((g.size if root_n else 1) * np.clip(mu[1:], 0, None))[::-1], vec[:, 1:].T[::-1]


WRONG = {
    # layer norm
    "ln-ddof1": ("ex-ln-implement", lambda x, g, b, e: _ln(x, g, b, e, ddof=1), "unbiased variance"),
    "ln-eps-outside": ("ex-ln-implement", lambda x, g, b, e: g * (x - x.mean()) / (x.std() + e) + b, "ε outside"),
    "ln-rmsnorm": ("ex-ln-implement", lambda x, g, b, e: g * x / np.sqrt(np.mean(x * x) + e) + b, "RMSNorm"),
    "ln-sum-not-mean": ("ex-ln-implement", lambda x, g, b, e: g * (x - x.mean()) / np.sqrt(np.sum((x - x.mean()) ** 2) + e) + b, "sum of squares"),
    "ln-no-bias": ("ex-ln-implement", lambda x, g, b, e: g * (x - x.mean()) / np.sqrt(x.var() + e), "leaving out the bias"),
    "ln-bias-first": ("ex-ln-implement", lambda x, g, b, e: (g * (x - x.mean()) + b) / np.sqrt(x.var() + e), "bias before"),
    "ln-no-eps": ("ex-ln-implement", lambda x, g, b, e: g * (x - x.mean()) / x.std() + b, "ignoring ε"),
    "ln-wrong-above-64": ("ex-ln-implement", lambda x, g, b, e: _ln(x, g, b, e, ddof=int(x.size > 64)), "unbiased variance"),
    "ln-median": ("ex-ln-implement", lambda x, g, b, e: g * (x - np.median(x)) / np.sqrt(x.var() + e) + b, None),
    # ε² = 1e-10 is "ignoring ε" to 1e-7 wherever ε = 1e-5: that diagnosis (for those cases) is true
    "ln-eps-squared": ("ex-ln-implement", lambda x, g, b, e: g * (x - x.mean()) / np.sqrt(x.var() + e * e) + b, "ignoring ε"),
    "ln-gain-squared": ("ex-ln-implement", lambda x, g, b, e: g * g * (x - x.mean()) / np.sqrt(x.var() + e) + b, None),
    "ln-abs-gain": ("ex-ln-implement", lambda x, g, b, e: np.abs(g) * (x - x.mean()) / np.sqrt(x.var() + e) + b, None),
    "ln-ddof1-and-no-bias": ("ex-ln-implement", lambda x, g, b, e: _ln(x, g, 0 * b, e, ddof=1), None),
    # max(σ², ε) *is* "ignoring ε" wherever σ² > ε, so that diagnosis (for those cases) is true
    "ln-clamped-var": ("ex-ln-implement", lambda x, g, b, e: g * (x - x.mean()) / np.sqrt(max(x.var(), e)) + b, "ignoring ε"),
    # batched
    "bn-axis0": ("ex-batched-layer-norm", lambda x, g, b, e: _ln(x, g, b, e, axis=0), "batch axis 0"),
    "bn-all": ("ex-batched-layer-norm", lambda x, g, b, e: _ln(x, g, b, e, axis=None), "all entries"),
    "bn-ddof1": ("ex-batched-layer-norm", lambda x, g, b, e: _ln(x, g, b, e, ddof=1), "unbiased"),
    "bn-rms": ("ex-batched-layer-norm", lambda x, g, b, e: g * x / np.sqrt(np.mean(x * x, -1, keepdims=True) + e) + b, "RMSNorm"),
    "bn-no-keepdims": ("ex-batched-layer-norm", lambda x, g, b, e: g * (x - x.mean(-1)) / np.sqrt(x.var(-1) + e) + b, None),
    "bn-first-row": ("ex-batched-layer-norm", lambda x, g, b, e: _ln(x, g, b, e) if x.ndim == 1 else np.stack([_ln(x.reshape(-1, x.shape[-1])[0], g, b, e)] * int(np.prod(x.shape[:-1]))).reshape(x.shape), None),
    # projection
    "proj-sum": ("ex-proj-implement", lambda x: x - x.sum(), "sum instead of the mean"),
    "proj-ddof": ("ex-proj-implement", lambda x: x - x.sum() / (len(x) - 1), "N − 1"),
    "proj-normalised": ("ex-proj-implement", lambda x: (x - x.mean()) / x.std(), "normalising"),
    "proj-median": ("ex-proj-implement", lambda x: x - np.median(x), "median"),
    "proj-first": ("ex-proj-implement", lambda x: x - x[0], None),
    "proj-half": ("ex-proj-implement", lambda x: x - 0.5 * x.mean(), None),
    # radial fraction
    "rf-ddof": ("ex-scale-implement", lambda x, e: np.sqrt(x.var(ddof=1) / (x.var(ddof=1) + e)), "unbiased"),
    "rf-eps-outside": ("ex-scale-implement", lambda x, e: x.std() / (x.std() + e), "ε outside"),
    "rf-no-sqrt": ("ex-scale-implement", lambda x, e: x.var() / (x.var() + e), "forgetting the square root"),
    "rf-sum": ("ex-scale-implement", lambda x, e: np.sqrt(np.sum((x - x.mean()) ** 2) / (np.sum((x - x.mean()) ** 2) + e)), None),
    "rf-inverse": ("ex-scale-implement", lambda x, e: np.sqrt((x.var() + e) / x.var()) if x.var() else 0.0, None),
    # normal
    "n-along-g": ("ex-affine-implement", lambda g: g / np.linalg.norm(g), "along g"),
    "n-unnormalised": ("ex-affine-implement", lambda g: 1 / g, "without normalising"),
    "n-abs": ("ex-affine-implement", lambda g: (1 / np.abs(g)) / np.linalg.norm(1 / np.abs(g)), "1/|g|"),
    "n-ones": ("ex-affine-implement", lambda g: np.ones(len(g)) / np.sqrt(len(g)), "gain was ignored"),
    "n-1-over-g2": ("ex-affine-implement", lambda g: (1 / g**2) / np.linalg.norm(1 / g**2), None),
    # semi-axes
    "sa-no-1/N": ("ex-semi-axes", lambda g: np.sqrt(len(g) * np.clip(np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g))[1:], 0, None))[::-1], "1/N"),
    "sa-no-sqrtN": ("ex-semi-axes", lambda g: ref_semi_axes(g) / np.sqrt(len(g)), "√N"),
    "sa-ascending": ("ex-semi-axes", lambda g: ref_semi_axes(g)[::-1], "ascending"),
    "sa-unsliced": ("ex-semi-axes", lambda g: (np.sqrt(len(g)) * np.sort(np.abs(g))[::-1])[:-1], "not its slice"),
    "sa-keeps-null": ("ex-semi-axes", lambda g: np.sqrt(len(g) * np.clip(np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / len(g)), 0, None))[::-1], None),
    "sa-drops-largest": ("ex-semi-axes", lambda g: np.sqrt(len(g) * np.clip(np.linalg.eigvalsh(np.diag(g * g) - np.outer(g, g) / len(g))[:-1], 0, None))[::-1], None),
    # principal axes
    "pa-no-1/N": ("ex-principal-axes", lambda g: _mistake_axes(g, over_n=False), "1/N"),
    "pa-no-sqrtN": ("ex-principal-axes", lambda g: _mistake_axes(g, root_n=False), "√N"),
    "pa-columns": ("ex-principal-axes", lambda g: (ref_principal_axes(g)[0], ref_principal_axes(g)[1].T), None),
    "pa-neuron-axes": ("ex-principal-axes", lambda g: (ref_semi_axes(g), np.eye(len(g))[np.argsort(-np.abs(g))][:-1]), None),
    "pa-unnormalised": ("ex-principal-axes", lambda g: (ref_principal_axes(g)[0], 2 * ref_principal_axes(g)[1]), None),
    "pa-mixed": ("ex-principal-axes", lambda g: (ref_principal_axes(g)[0], np.linalg.qr((ref_principal_axes(g)[1] + 0.1 * np.roll(ref_principal_axes(g)[1], 1, axis=0)).T)[0].T), None),
    # slice coordinates
    "sc-no-bias": ("ex-slice-coordinates", lambda y, g, b: ref_slice(y, g, 0 * b), "bias"),
    "sc-unscaled": ("ex-slice-coordinates", lambda y, g, b: ref_principal_axes(g)[1] @ (y - b), "not dividing"),
    "sc-neuron-frame": ("ex-slice-coordinates", lambda y, g, b: ((y - b) / (np.sqrt(len(g)) * g))[:-1], None),
    # membership
    "in-no-plane": ("ex-in-output-set", lambda y, g, b: bool(np.sum(((y - b) / g) ** 2) <= len(g)), "hyperplane was forgotten"),
    "in-no-bias": ("ex-in-output-set", lambda y, g, b: ref_in_set(y, g, 0 * b), None),
    "in-always": ("ex-in-output-set", lambda y, g, b: True, None),
    "in-sphere": ("ex-in-output-set", lambda y, g, b: bool(np.linalg.norm(y - b) <= np.sqrt(len(g)) * np.max(np.abs(g))), None),
    # preimage
    "vp-times-g": ("ex-vertex-preimage", lambda y, g, b: g * (y - b), "multiplying by the gain"),
    "vp-no-bias": ("ex-vertex-preimage", lambda y, g, b: y / g, "bias"),
    "vp-identity": ("ex-vertex-preimage", lambda y, g, b: y, None),
    # jacobian
    "j-no-zz": ("ex-jacobian", lambda x, g, e: g[:, None] / np.sqrt(x.var() + e) * (np.eye(x.size) - 1 / x.size), "−z zᵀ/N"),
    "j-transposed": ("ex-jacobian", lambda x, g, e: ref_jacobian(x, g, e).T, "transpose"),  # = gain on the input side
    "j-gain-right": ("ex-jacobian", lambda x, g, e: ref_jacobian(x, np.ones_like(g), e) * g[None, :], "input side"),
    "j-no-gain": ("ex-jacobian", lambda x, g, e: ref_jacobian(x, np.ones_like(g), e), None),
    "j-ddof": ("ex-jacobian", lambda x, g, e: g[:, None] / np.sqrt(x.var(ddof=1) + e) * (np.eye(x.size) - 1 / x.size - np.outer(x - x.mean(), x - x.mean()) / (x.var(ddof=1) + e) / x.size), None),
    # arc
    "arc-uncentred": ("ex-arc", lambda a, c: np.degrees(np.arccos(np.clip(a @ c / np.linalg.norm(a) / np.linalg.norm(c), -1, 1))), "not removed"),
    "arc-radians": ("ex-arc", lambda a, c: np.radians(ref_arc(a, c)), "radians"),
    "arc-supplement": ("ex-arc", lambda a, c: 180 - ref_arc(a, c), None),
    # tilt
    "t-along-g": ("ex-tilt-angle", lambda g: ref_tilt(1 / g) if np.all(g != 0) else ref_tilt(g), "∝ g"),
    "t-radians": ("ex-tilt-angle", lambda g: np.radians(ref_tilt(g)), "radians"),
    "t-no-abs": ("ex-tilt-angle", lambda g: 180 - ref_tilt(g) if np.all(g < 0) else ref_tilt(g), "absolute value"),
    "t-complement": ("ex-tilt-angle", lambda g: 90 - ref_tilt(g), None),
}


def _run_wrong(key, hidden):
    label, wrong, truth = WRONG[key]
    with np.errstate(all="ignore"):
        result = CHECKERS[label](wrong, 0, hidden=hidden)
    return result, truth


@pytest.mark.parametrize("hidden", [False, True], ids=["visible", "hidden"])
@pytest.mark.parametrize("key", sorted(WRONG))
def test_wrong_functions_fail_with_a_true_diagnosis_or_none(key, hidden):
    result, truth = _run_wrong(key, hidden)
    assert not result.passed and result.score < 1.0, key
    if result.diagnosis is not None:
        assert truth is not None and truth in result.diagnosis, (key, result.diagnosis)
        assert "Diagnosis:" in result.message and truth in result.message


def test_most_classic_mistakes_are_named_on_the_visible_cases():
    named = [k for k, (_, _, truth) in WRONG.items() if truth is not None and _run_wrong(k, False)[0].diagnosis]
    with_truth = [k for k, (_, _, truth) in WRONG.items() if truth is not None]
    assert len(named) >= 0.8 * len(with_truth), sorted(set(with_truth) - set(named))


def test_the_batchnorm_axis_and_the_n_above_64_mistakes_fail_visible_and_hidden():
    for key in ("bn-axis0", "ln-wrong-above-64"):
        for hidden in (False, True):
            result, _ = _run_wrong(key, hidden)
            assert not result.passed
    bn, _ = _run_wrong("bn-axis0", False)
    assert "batch axis" in bn.message  # the property, and the diagnosis


def test_a_coincidence_on_one_case_is_not_a_diagnosis():
    # wrong only on the unit-gain cases, where "leaving out the gain" would also fit one case
    def odd(x, gain, bias, eps):
        out = ref_layer_norm(x, gain, bias, eps)
        return out + 1.0 if x.size == 4 else out  # only the constant-input case (N = 4) is wrong

    result = CHECKERS["ex-ln-implement"](odd)
    assert not result and len(result.failures) == 1 and result.diagnosis is None


def test_columns_instead_of_rows_is_reported_as_a_shape_problem():
    result, _ = _run_wrong("pa-columns", False)
    assert "as rows" in result.message


# -- unusable return values ----------------------------------------------------------------------


def _gen(*args):
    yield 1.0


BAD_RETURNS = {
    "str": (lambda *a: "0.5", "str"),
    "dict": (lambda *a: {"value": 1.0}, "dict"),
    "generator": (_gen, "generator"),
    "ragged": (lambda *a: [[1.0, 2.0], [3.0]], "ragged"),
    "None": (lambda *a: None, "None"),
    "complex": (lambda *a: np.ones(3) * (1 + 1j), "complex"),
    "set": (lambda *a: {1.0, 2.0}, "set"),
    "complex-tensor": (lambda *a: torch.ones(3, dtype=torch.complex128), "complex"),
    "object-array": (lambda *a: np.array([object(), object()]), "object"),
}


@pytest.mark.parametrize("label", ["ex-ln-implement", "ex-scale-implement", "ex-principal-axes", "ex-in-output-set", "ex-tilt-angle"])
@pytest.mark.parametrize("kind", sorted(BAD_RETURNS))
def test_unusable_return_values_fail_naming_what_came_back(label, kind):
    student, named = BAD_RETURNS[kind]
    result = CHECKERS[label](student)
    assert not result and result.score == 0.0
    if label == "ex-principal-axes" and kind == "ragged":
        named = "shapes"  # a list of two is read as the pair (semi_axes, axes), whose shapes are wrong
    assert named in result.message, result.message
    assert result.diagnosis is None


def test_a_list_of_grad_tracking_tensors_and_sys_exit_are_verdicts_not_crashes():
    def tensors(x):
        return [torch.tensor(v, requires_grad=True) for v in (x - x.mean())]

    result = CHECKERS["ex-proj-implement"](tensors)
    assert not result and "not a rectangular array of numbers" in result.message

    def exits(x):
        raise SystemExit(3)

    result = CHECKERS["ex-proj-implement"](exits)
    assert not result and "raised SystemExit" in result.message


def test_a_signature_mismatch_is_reported_once_as_such():
    result = CHECKERS["ex-ln-implement"](lambda x, gain: x)
    assert not result and result.score == 0.0
    assert "signature mismatch" in result.message and "(x, gain, bias, eps)" in result.message
    assert all("signature mismatch" in f for f in result.failures)
    keyword_only = CHECKERS["ex-ln-implement"](lambda *, x, gain, bias, eps: x)
    assert "signature mismatch" in keyword_only.message
    not_callable = CHECKERS["ex-proj-implement"](np.zeros(3))
    assert "expected a function" in not_callable.message


def test_a_type_error_inside_the_function_is_not_called_a_signature_mismatch():
    def buggy(x, gain, bias, eps):
        return x + "1"

    result = CHECKERS["ex-ln-implement"](buggy)
    assert "raised" in result.message and "signature mismatch" not in result.message


# -- hangs and mutation --------------------------------------------------------------------------


def test_a_function_that_never_returns_fails_within_the_time_limit(monkeypatch):
    monkeypatch.setattr(checking, "TIMEOUT_S", 0.3)
    stop = threading.Event()  # ends the loop after the test, should it run in an abandoned thread

    def spins(x):
        while not stop.is_set():
            pass

    try:
        result = CHECKERS["ex-proj-implement"](spins)
    finally:
        stop.set()
    assert not result and result.score == 0.0
    assert "did not return within 0.3 s" in result.message
    assert result.outcomes[0].kind == "timeout"
    assert all(o.kind == "skipped" for o in result.outcomes[1:])


def test_the_time_limit_also_works_off_the_main_thread(monkeypatch):
    monkeypatch.setattr(checking, "TIMEOUT_S", 0.2)
    release = threading.Event()
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("r", CHECKERS["ex-proj-implement"](lambda x: release.wait())), daemon=True)
    worker.start()
    worker.join(30)
    release.set()  # let the abandoned call finish
    assert "did not return within 0.2 s" in result["r"].message


def test_the_alarm_is_restored_after_a_check(monkeypatch):
    import signal

    before = signal.getsignal(signal.SIGALRM)
    CHECKERS["ex-proj-implement"](ref_project)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_in_place_mutation_of_the_input_is_reported():
    def in_place(x):
        x -= x.mean()
        return x

    result = CHECKERS["ex-proj-implement"](in_place)
    assert not result
    assert "changed its input x in place" in result.message
    assert result.diagnosis is None

    def in_place_ln(x, gain, bias, eps):
        x -= x.mean()
        x /= np.sqrt(x.var() + eps)
        return gain * x + bias

    result = CHECKERS["ex-ln-implement"](in_place_ln)
    assert not result and "in place" in result.message


# -- docstrings without solutions ------------------------------------------------------------------

GIVEAWAYS = [">>>", "def ", "np.", "numpy.linalg", "eigh(", "eigvalsh", ".var(", ".mean(", "sqrt(", "\\sqrt",
             "1/g", "1 / g", "G^{-1}", "G⁻¹", "\\frac", "g g^", "gg^", "G^2", "G²", "arccos", "Π₂", "\\Pi", "σ² + ε", "u_k·"]


def _docstrings():
    import importlib

    for info in pkgutil.iter_modules(lngeo.exercises.__path__):
        module = importlib.import_module(f"lngeo.exercises.{info.name}")
        tree = ast.parse(inspect.getsource(module))
        yield module.__name__, ast.get_docstring(tree) or ""
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                yield f"{module.__name__}.{node.name}", ast.get_docstring(node) or ""
    yield "lngeo.exercises", lngeo.exercises.__doc__ or ""


def test_no_docstring_in_the_exercises_gives_a_solution_away():
    leaks = [(where, word) for where, doc in _docstrings() for word in GIVEAWAYS if word in doc
             and not (where.endswith("checking") or ".checking." in where)]  # the machinery computes nothing a student writes
    assert not leaks, leaks


def test_help_of_a_checker_has_no_code():
    for entry in CHECKERS.values():
        doc = inspect.getdoc(entry.checker)
        assert entry.label in doc  # says which exercise it checks
        assert ">>>" not in doc and "def " not in doc


# -- the chapters' exercise cells keep working -----------------------------------------------------


def _chapter_check_cells():
    import json
    from pathlib import Path

    for notebook in sorted((Path(__file__).resolve().parents[1] / "chapters").glob("0*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and "from lngeo.exercises import" in source:
                yield notebook.stem, source


def test_every_chapter_exercise_cell_returns_a_check_result():
    cells = list(_chapter_check_cells())
    assert len(cells) >= 7
    for stem, source in cells:
        body, last = source.rstrip().rsplit("\n", 1)
        namespace = {"np": np}
        exec(body, namespace)  # noqa: S102 - the book's own cell
        result = eval(last, namespace)  # noqa: S307
        assert isinstance(result, CheckResult), stem
        assert len(result.report().splitlines()) == result.n_cases + 1 + (result.diagnosis is not None)


def _in_float32(fn):
    """The same right answer, computed from float32 copies of the inputs and returned as float32."""

    def student(*args):
        args = [np.asarray(a, np.float32) if isinstance(a, np.ndarray) else a for a in args]
        with np.errstate(all="ignore"):
            out = fn(*args)
        if isinstance(out, tuple):
            return tuple(np.asarray(o, np.float32) for o in out)
        return out if isinstance(out, bool) else np.asarray(out, np.float32)

    return student


@pytest.mark.parametrize("label", sorted(set(LABELS) - {"ex-in-output-set"}))
def test_answers_computed_in_float32_pass_at_float32_precision(label):
    # eigenvectors of close semi-axes, arccos near 0° and inputs with a large mean lose digits
    # in float32; the tolerances allow for that, and say so
    for seed in (0, 1, 3):
        for hidden in (False, True):
            result = CHECKERS[label](_in_float32(REFERENCES[label][0]), seed, hidden=hidden)
            assert result.passed, (seed, hidden, result.report())
    assert "float32" in CHECKERS[label](_in_float32(REFERENCES[label][0])).message


def test_a_float16_computation_is_told_about_precision_not_a_missing_mean():
    """Computed in float16 and returned as float64 (the gain promotes it), LayerNorm's output
    mean misses 0 by about 1e-4: that is rounding, so no 'is the mean subtracted?'."""
    def half_precision(x, gain, bias, eps):
        x = np.asarray(x, np.float16)
        return gain * (x - x.mean()) / np.sqrt(x.var() + np.float16(eps)) + bias

    report = CHECKERS["ex-ln-implement"](half_precision, seed=3).report()
    assert "must centre the input" in report and "low precision" in report
    assert "is the mean subtracted" not in report


def test_without_threads_or_timers_the_call_runs_unlimited_and_errors_are_still_verdicts(monkeypatch):
    # Pyodide (JupyterLite): no threads, no interval timer. Nothing may start a thread there.
    monkeypatch.setattr(checking, "CAN_TIME_OUT", False)

    def no_threads(*args, **kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_threads)
    assert CHECKERS["ex-proj-implement"](ref_project)

    def raises(x):
        raise ZeroDivisionError("oops")

    result = CHECKERS["ex-proj-implement"](raises)
    assert not result and "ZeroDivisionError" in result.message and "can't start" not in result.message
