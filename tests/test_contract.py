"""The numerical contract over the whole public API (issue 12).

Every public function of every module (``lngeo.__all__`` and each submodule's ``__all__``,
widgets and exercises included) is called with a valid baseline, then with each argument in
turn replaced by an extreme value: subnormals, ±1.7e308, NaN, inf, empty, 0-d, int64 near
2**63, float16, complex, object, None, timedelta64, wrong shapes. Each call must either
return a finite result or raise ``ValueError``/``TypeError`` whose message names one of the
function's parameters. No RuntimeWarning may escape. A second part checks the core against
independent extended-precision references on hypothesis-generated extreme inputs.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
import warnings

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lngeo

TINY = float(np.finfo(float).smallest_subnormal)
HUGE = float(np.finfo(float).max)


# --------------------------------------------------------------------------- the public API
def _modules() -> list[str]:
    import lngeo.exercises
    import lngeo.widgets

    names = ["lngeo"]
    for pkg, prefix in ((lngeo, "lngeo."), (lngeo.widgets, "lngeo.widgets."),
                        (lngeo.exercises, "lngeo.exercises.")):
        names += [prefix + m.name for m in pkgutil.iter_modules(pkg.__path__)
                  if not m.name.startswith("_")]
    return names


def public_functions() -> dict[str, object]:
    """``{qualified name: function}`` for every function in a public ``__all__``."""
    out = {}
    for mod_name in _modules():
        mod = importlib.import_module(mod_name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                out.setdefault(f"{obj.__module__}.{obj.__name__}", obj)
    return out


FUNCTIONS = public_functions()


# --------------------------------------------------------------------------- valid baselines
def _figure():
    return plt.figure()


def _ax3d():
    return plt.figure().add_subplot(projection="3d")


def _ax2d():
    return plt.figure().add_subplot()


def _layernorms():
    from lngeo import models

    return models.load_layernorms()


def _rows():
    from lngeo import model_geometry

    return model_geometry.model_geometry(_layernorms())


def _run():
    from lngeo import model_geometry

    return model_geometry.corpus_encoding()


def _defl():
    from lngeo import secular

    return secular.deflate(np.array([1.0, 2.0, 3.0]))


def _draw(i):
    return None


def _factory(gain=None):
    return None


def _roots():
    from lngeo import secular

    return secular.secular_roots(_defl())


def _student_ln(x, gain, bias, eps):
    return gain * (x - x.mean()) / np.sqrt(x.var() + eps) + bias


# by parameter name; callables build a fresh value for every call
BASE = {
    "x": [0.3, -1.2, 2.0], "a": [0.3, -1.2, 2.0], "u": [0.3, -1.2, 2.0],
    "z": [0.3, -1.2, 2.0], "y": [[0.3, -1.2, 2.0], [1.0, 0.5, -0.2]],
    "gain": [1.0, 2.0, 0.5], "bias": [0.1, 0.0, -0.3], "g": np.array([1.0, 2.0, 3.0]),
    "d": [-2.0, 0.0, 2.0], "da": [[1.0, 0.0, -1.0]], "v": [0.0, 1.0, 0.0],
    "t": [-1.0, 0.0, 1.0], "x0": [1.0, 0.0, -1.0], "weights": [np.eye(3) * 0.5],
    "inputs": [[0.3, -1.2, 2.0], [1.0, 0.5, -0.2]], "targets": [[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]],
    "upstream": [1.0, -0.5, 0.25], "matrix": np.eye(3)[[1, 2, 0]], "normal": [1.0, 2.0, 0.5],
    "radii": [1.0, 2.0, 3.0], "semi": [1.0, 2.0, 0.5], "mu": 0.5, "n": 3, "radius": 1.5,
    "points": np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2]]), "tip": [1.0, 0.5, 0.2],
    "segments": [np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])], "method": "secular",
    "name": "embeddings.LayerNorm", "value": 0.5, "spec": ".3g", "description": "ε",
    "min": 0.0, "max": 1.0, "min_exp": -3.0, "max_exp": 0.0, "n_frames": 3,
    "color": "#0072B2", "alt": "a figure", "student": _student_ln, "eps": 1e-5,
    "draw": _draw, "figure": _figure, "fig": _figure, "ax": _ax3d,
    "defl": _defl, "gaps": np.array([0, 1]), "origin": np.array([0, 1]),
    "delta": np.array([0.5, -0.5]), "layernorms": _layernorms, "rows": _rows, "run": _run,
    "sentences": ["LayerNorm keeps the direction."], "cases": [], "claims": {"n": (41, "int")},
    "factory": _factory, "player": '<div class="animation"><img src="data:,"></div>',
    "path": "recording.npz",
}
# per function (qualified name), where the name-based baseline does not fit
OVERRIDES = {
    "lngeo.plotting.vector_2d": {"ax": _ax2d},
    "lngeo.plotting.update_vector_2d": {"tip": [1.0, 0.5]},
    "lngeo.plotting.circle_points": {"normal": [0.0, 0.0, 1.0]},
    "lngeo.widgets.real_model.label_layout": {"points": np.array([[0.0, 1.0], [1.0, 0.0]])},
    "lngeo.model_geometry.output_residuals": {
        "x": [[0.3, -1.2, 2.0]], "y": lambda: lngeo.layer_norm([[0.3, -1.2, 2.0]], [1.0, 2.0, 0.5],
                                                             [0.1, 0.0, -0.3], 1e-5)},
    "lngeo.normal_direction.dead_direction": {"y": lambda: lngeo.layer_norm(
        np.random.default_rng(0).normal(size=(20, 3)), [1.0, 2.0, 0.5])},
    "lngeo.basis.equivariance_error": {"x": [[0.3, -1.2, 2.0]]},
    "lngeo.section.central_section": {"normal": [1.0, 2.0, 0.5]},
    "lngeo.secular.root_semi_axes": {"origin": lambda: _roots()[0], "delta": lambda: _roots()[1]},
}
# artists for the update_* helpers: built from the matching *_artist helper
ARTISTS = {
    "line": lambda: lngeo.plotting.vector_artist(_ax3d(), "#0072B2"),
    "poly": lambda: lngeo.plotting.plane_patch(_ax3d(), [0.0, 0.0, 1.0]),
    "coll": lambda: lngeo.plotting.wireframe_artist(
        _ax3d(), [np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])]),
}
ARTIST_FOR = {"lngeo.plotting.update_vector_2d": lambda: lngeo.plotting.vector_2d(_ax2d(), "k")}


def baseline(qual: str, fn) -> dict:
    kwargs = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        over = OVERRIDES.get(qual, {})
        if p.name in over:
            kwargs[p.name] = over[p.name]
        elif p.name == "line" and qual in ARTIST_FOR:
            kwargs[p.name] = ARTIST_FOR[qual]
        elif p.name in ARTISTS and p.default is inspect.Parameter.empty:
            kwargs[p.name] = ARTISTS[p.name]
        elif p.default is not inspect.Parameter.empty:
            continue
        else:
            kwargs[p.name] = BASE[p.name]
    return kwargs


def _build(value):
    return value() if callable(value) and getattr(value, "__name__", "") in _BUILDERS else value


_BUILDERS = {"_figure", "_ax3d", "_ax2d", "_layernorms", "_rows", "_run", "_defl", "<lambda>"}


# --------------------------------------------------------------------------- extreme values
def array_extremes(base) -> list:
    arr = np.asarray(base)
    shape = arr.shape if arr.ndim else (3,)
    full = lambda v, dtype=float: np.full(shape, v, dtype=dtype)  # noqa: E731
    out = [
        None, np.array([]), np.float64(1.0), full(np.nan), full(np.inf), full(-np.inf),
        full(TINY), full(HUGE), full(-HUGE), np.where(np.arange(np.prod(shape)).reshape(shape) % 2,
                                                      HUGE, -HUGE),
        full(2**62, np.int64) + np.arange(np.prod(shape)).reshape(shape),
        full(1.5, np.float16), full(1 + 1j, complex), full(None, object),
        full(3, "m8[s]"), full(True, bool), np.ones(shape + (2,)), np.ones(7), "abc",
    ]
    return out


SCALAR_EXTREMES = [None, np.nan, np.inf, -np.inf, -1.0, 0.0, TINY, HUGE, -HUGE, 10**400, 1j,
                   "abc", np.array([1.0, 2.0]), True, np.float16(0.5), np.int64(2**62)]
INT_EXTREMES = [None, -1, 0, 10**9, 2**63, 1.5, np.nan, "abc", np.array([1, 2]), True, 1j]
STR_EXTREMES = [None, 5, "nonsense-value", np.array(["a", "b"]), b"bytes", "\ud800", ""]
OBJ_EXTREMES = [None, 5, "abc", np.nan, np.array([1.0, np.nan])]


def extremes_for(value) -> list:
    if isinstance(value, (bool, np.bool_)):
        return [None, "yes", np.nan, 2, np.array([True, False])]
    if isinstance(value, str):
        return STR_EXTREMES
    if isinstance(value, (int, np.integer)):
        return INT_EXTREMES
    if isinstance(value, (float, np.floating)):
        return SCALAR_EXTREMES
    if isinstance(value, (list, tuple, np.ndarray)) and _numeric(value):
        return array_extremes(value)
    return OBJ_EXTREMES


def _numeric(value) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False


# --------------------------------------------------------------------------- the contract
def _finite(result, path="result") -> None:
    """Assert every number reachable in ``result`` is finite."""
    if isinstance(result, (str, bytes)) or result is None:
        return
    if isinstance(result, (bool, np.bool_, int, np.integer)):
        return
    if isinstance(result, (float, np.floating)):
        # the one documented infinity: LayerGeometry.spread of a collapsed set (s_min = 0)
        assert math.isfinite(result) or path.endswith(".spread"), f"{path} = {result}"
        return
    if isinstance(result, np.ndarray):
        if result.dtype.kind in "fc":
            assert np.all(np.isfinite(result)), f"{path} holds non-finite values"
        elif result.dtype == object:
            for i, v in enumerate(result.ravel()[:1000]):
                _finite(v, f"{path}[{i}]")
        return
    if dataclasses.is_dataclass(result):
        for f in dataclasses.fields(result):
            _finite(getattr(result, f.name), f"{path}.{f.name}")
        return
    if isinstance(result, dict):
        for k, v in result.items():
            _finite(v, f"{path}[{k!r}]")
        return
    if isinstance(result, (list, tuple)):
        for i, v in enumerate(result):
            _finite(v, f"{path}[{i}]")


def _names_a_parameter(message: str, params: list[str]) -> bool:
    for p in params:
        if len(p) > 1 and re.search(rf"(?<![\w]){re.escape(p)}(?![\w])", message):
            return True
        # one-letter names must be the subject: "a must", "a[0]", "a =", "'a'", "a has"
        if re.search(rf"(?<![\w]){re.escape(p)}(\[| must| has| is| holds| =|'|=| \(|:| \+)",
                     message):
            return True
    return False


def call_and_check(qual: str, fn, kwargs: dict) -> str:
    """Call ``fn(**kwargs)``; return "" when the contract holds, else why it does not."""
    params = list(inspect.signature(fn).parameters)
    built = {k: _build(v) for k, v in kwargs.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            result = fn(**built)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        if not _names_a_parameter(msg, params):
            return f"{type(exc).__name__} naming no parameter of {params}: {msg[:200]}"
        return ""
    except Exception as exc:  # noqa: BLE001 - the contract forbids any other exception
        return f"raised {type(exc).__name__}: {str(exc)[:200]}"
    finally:
        plt.close("all")
    try:
        _finite(result)
    except AssertionError as exc:
        return f"returned a non-finite result: {exc}"
    return ""


def _short(v) -> str:
    return repr(v)[:50]


#: Functions that take a second or more per call (figures, the real model, chapter 7's
#: claims): called only with arguments that must be refused before any work is done.
SLOW = ("lngeo.widgets.", "lngeo.models.", "lngeo.model_claims.", "lngeo.reference.eigvalsh",
        "lngeo.explorer.", "lngeo.prose.glue", "lngeo.plotting.", "lngeo.recording.record",
        "lngeo.recording.load")


def _fast_refusals(value) -> list:
    if isinstance(value, (list, tuple, np.ndarray)) and _numeric(value):
        arr = np.asarray(value, dtype=float)
        return [None, np.full(arr.shape if arr.ndim else (3,), np.nan)]
    if isinstance(value, (float, np.floating)):
        return [None, np.nan]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return [None, -(2**63)]
    return [None, 5]


def cases_for(qual: str, fn) -> list[tuple[str, object]]:
    """(parameter, extreme value) pairs; slow functions get a deterministic sample."""
    base = baseline(qual, fn)
    sig = inspect.signature(fn)
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        value = base.get(p.name, p.default)
        value = _build(value) if not callable(value) or p.name not in ARTISTS else value
        values = _fast_refusals(value) if qual.startswith(SLOW) else extremes_for(value)
        out += [(p.name, v) for v in values]
    return out


@pytest.mark.parametrize("qual", sorted(FUNCTIONS))
def test_every_public_function_returns_finite_results_or_names_its_argument(qual):
    fn = FUNCTIONS[qual]
    base = baseline(qual, fn)
    if not qual.startswith(SLOW):  # slow ones are exercised by their own test files
        problem = call_and_check(qual, fn, base)
        assert problem == "", f"baseline call: {problem}"
    failures = []
    for name, value in cases_for(qual, fn):
        problem = call_and_check(qual, fn, {**base, name: value})
        if problem:
            failures.append(f"{name}={_short(value)}: {problem}")
    assert not failures, f"{len(failures)} contract failures:\n" + "\n".join(failures)


def test_the_walk_covers_every_module_and_all_of_lngeo():
    modules = {q.rsplit(".", 1)[0] for q in FUNCTIONS}
    for must in ("lngeo.core", "lngeo.geometry", "lngeo.dynamics", "lngeo.model_geometry",
                 "lngeo.models", "lngeo.basis", "lngeo.section", "lngeo.backward",
                 "lngeo.normal_direction", "lngeo.model_claims", "lngeo.reference",
                 "lngeo.prose", "lngeo.secular", "lngeo.plotting", "lngeo.explorer",
                 "lngeo.recording"):
        assert must in modules, must
    assert any(m.startswith("lngeo.widgets.") for m in modules)
    assert any(m.startswith("lngeo.exercises.") for m in modules)
    top = {f"{getattr(lngeo, n).__module__}.{n}" for n in lngeo.__all__
           if inspect.isfunction(getattr(lngeo, n))}
    assert top <= set(FUNCTIONS)


def test_a_broken_function_is_caught_by_the_contract():
    def returns_nan(x):
        return np.full(3, np.nan)

    def blames_nobody(x):
        raise ValueError("something went wrong")

    def leaks_a_warning(x):
        return np.float64(1.0) / np.float64(0.0)

    for bad in (returns_nan, blames_nobody, leaks_a_warning):
        assert call_and_check("test", bad, {"x": [1.0, 2.0, 3.0]}) != ""
    assert call_and_check("test", lambda x: np.ones(3), {"x": 1}) == ""


# --------------------------------------------------------------------------- references
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True),
    st.sampled_from([TINY, -TINY, 1e-310, HUGE, -HUGE, 0.0, 1.0, 2.0**62]),
)


def _mp_layer_norm(x, g, b, eps):
    with mpmath.workdps(60):
        xm = [mpmath.mpf(float(v)) for v in x]
        n = len(xm)
        mu = mpmath.fsum(xm) / n
        var = mpmath.fsum((v - mu) ** 2 for v in xm) / n
        den = mpmath.sqrt(var + mpmath.mpf(eps))
        return [float(mpmath.mpf(float(gi)) * (v - mu) / den + mpmath.mpf(float(bi)))
                for v, gi, bi in zip(xm, g, b)]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(hnp.arrays(np.float64, st.integers(2, 6), elements=FLOATS),
       st.sampled_from([0.0, 1e-5, TINY, 1e300]))
def test_layer_norm_matches_60_digit_arithmetic_over_the_whole_float64_range(x, eps):
    g = np.linspace(0.5, 2.0, x.size)
    b = np.linspace(-1.0, 1.0, x.size)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            y = lngeo.layer_norm(x, g, b, eps=eps)
        except ValueError as exc:  # only 0/0 is allowed to refuse here
            assert eps == 0.0 and np.all(x == x[0]), exc
            assert "x has zero variance" in str(exc)
            return
    ref = np.array(_mp_layer_norm(x, g, b, eps))
    assert np.all(np.abs(y - ref) <= 1e-13 * (np.abs(g) * math.sqrt(x.size) + np.abs(b))), (y, ref)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(hnp.arrays(np.float64, st.integers(2, 6), elements=FLOATS))
def test_project_matches_exact_rational_centring(x):
    from fractions import Fraction

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            p = lngeo.project(x)
        except ValueError as exc:  # x − mean(x) beyond float64 (e.g. ±1.7e308)
            assert "x" in str(exc)
            exact = [Fraction(v) - sum(map(Fraction, x)) / x.size for v in x]
            assert max(abs(e) for e in exact) > Fraction(HUGE) / 2
            return
    fx = [Fraction(float(v)) for v in x]
    mean = sum(fx) / len(fx)
    ref = np.array([float(v - mean) for v in fx])
    scale = max(float(np.max(np.abs(x))), TINY)
    assert np.all(np.abs(p - ref) <= 4e-16 * scale), (p, ref)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(hnp.arrays(np.float64, st.integers(2, 5), elements=st.floats(-1e300, 1e300)),
       st.sampled_from([0.0, 1e-5]))
def test_two_neuron_fold_matches_mpmath(d, eps):
    from lngeo import dynamics

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if eps == 0 and np.any(d == 0):
            with pytest.raises(ValueError, match="eps"):
                dynamics.two_neuron_fold(d, eps=eps)
            return
        got = dynamics.two_neuron_fold(d, eps=eps)
    with mpmath.workdps(40):
        ref = [float(mpmath.mpf(v) / mpmath.sqrt(mpmath.mpf(v) ** 2 + 4 * mpmath.mpf(eps)))
               for v in d]
    np.testing.assert_allclose(got, ref, rtol=1e-15, atol=1e-300)
