"""Input checks shared by every public function, so all of them fail the same way.

Each helper either returns a clean ``numpy`` array or raises ``ValueError`` /
``TypeError`` with a message that names the argument, what was expected and
what was received (``"gain must have shape (N,) = (3,), got (4,)"``).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import numbers
import re

import numpy as np

__all__ = [
    "as_activations",
    "as_parameter",
    "as_gain",
    "as_eps",
    "as_real",
    "as_scalar",
    "as_count",
    "as_choice",
    "as_flag",
    "as_matrix",
    "require_hyperplane",
    "working_dtype",
    "finite_result",
]

#: Integers beyond this magnitude are not exactly representable in float64.
EXACT_INT = 2**53


def _as_real_array(value, name: str) -> np.ndarray:
    """``np.asarray(value)`` if it holds real numbers (bool, integer or floating), else raise.

    Refused with ``TypeError``: ``None``, ragged or non-numeric containers, complex,
    timedelta64/datetime64 (a duration is not a number until a unit is chosen), object.
    Refused with ``ValueError``: integers beyond ``2**53``, which float64 would round
    (``[2**62, 2**62 + 1]`` would become a constant vector).
    """
    if value is None:
        raise TypeError(f"{name} must be an array of real numbers, got None")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be array-like of real numbers (a rectangular nested list or "
            f"numpy array), got {type(value).__name__}"
        ) from exc
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(
            f"{name} must hold real numbers, got complex dtype {arr.dtype}; "
            f"pass {name}.real if the imaginary part is meant to be dropped"
        )
    if kind in "mM":
        raise TypeError(
            f"{name} must hold real numbers, got {arr.dtype}; convert to numbers first, "
            f"e.g. {name} / np.timedelta64(1, 's')"
        )
    if kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if kind in "iu" and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if max(abs(lo), abs(hi)) > EXACT_INT:
            bad = hi if abs(hi) >= abs(lo) else lo
            raise ValueError(
                f"{name} holds the integer {bad}, beyond 2**53: float64 cannot hold it "
                f"exactly and the result would be rounded silently; pass {name} as floats "
                "(or subtract a common offset in integer arithmetic) first"
            )
    return arr


def working_dtype(*arrays: np.ndarray) -> np.dtype:
    """Return the floating dtype results are reported in.

    Floating inputs keep their precision (float32 in, float32 out, like PyTorch);
    integer and boolean inputs are promoted to float64. Mixed inputs follow numpy
    promotion, e.g. float32 activations with a float64 gain give float64.
    """
    floats = [a.dtype if np.issubdtype(a.dtype, np.floating) else np.dtype(np.float64) for a in arrays]
    return np.result_type(*floats)


def _first_bad_index(arr: np.ndarray) -> tuple:  # noqa: D103
    bad = np.argwhere(~np.isfinite(arr))[0]
    return tuple(int(i) for i in bad)


def _require_finite(arr: np.ndarray, name: str) -> None:
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        idx = _first_bad_index(arr)
        raise ValueError(f"{name} must be finite, but {name}[{', '.join(map(str, idx))}] = {arr[idx]!r}")


def as_activations(x, name: str = "x") -> np.ndarray:
    """Check activations: a real, finite array with at least one axis of length >= 1.

    The last axis holds the ``N`` neurons; leading axes are a batch.
    """
    arr = _as_real_array(x, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (the N neurons), got a scalar")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must have N >= 1 neurons along its last axis, got shape {arr.shape}")
    _require_finite(arr, name)
    return arr


def as_parameter(value, n: int, name: str, fill: float) -> np.ndarray:
    """Check a per-neuron parameter (gain or bias): shape ``(N,)``, real and finite.

    ``None`` means the identity value ``fill`` (1 for a gain, 0 for a bias).
    """
    if value is None:
        return np.full(n, fill, dtype=np.float64)
    arr = _as_real_array(value, name)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape (N,) = ({n},), got {arr.shape}")
    _require_finite(arr, name)
    return arr


def as_gain(gain, name: str = "gain") -> np.ndarray:
    """Check a gain given on its own (no activations to read ``N`` from): shape ``(N,)``."""
    arr = _as_real_array(gain, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a vector of shape (N,), got shape {arr.shape}")
    _require_finite(arr, name)
    return arr


def as_scalar(value, name: str, *, low: float | None = None, high: float | None = None) -> float:
    """Check a real scalar (Python or numpy number, or a 0-d array): finite, in ``[low, high]``.

    Returns it as a Python ``float``. ``bool`` is refused (``True`` is not a length).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        if value.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be a real number, got a 0-d array of {value.dtype}")
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (numbers.Real, np.floating, np.integer)
    ):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r:.60}")
    try:
        out = float(value)
    except OverflowError:
        digits = len(str(abs(int(value))))
        raise ValueError(
            f"{name} is an integer with {digits} digits, beyond the float64 range (1.8e308)"
        ) from None
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out}")
    if low is not None and out < low:
        raise ValueError(f"{name} must be >= {low}, got {out!r}")
    if high is not None and out > high:
        raise ValueError(f"{name} must be <= {high}, got {out!r}")
    return out


def as_eps(eps, name: str = "eps") -> float:
    """Check a variance floor or tolerance: a finite real number ``>= 0``."""
    out = as_scalar(eps, name)
    if out < 0:
        raise ValueError(f"{name} must be >= 0, got {out}")
    return out


def as_count(value, name: str, *, low: int = 0, high: int | None = None) -> int:
    """Check an integer count in ``[low, high]`` (not bool, not a float such as ``3.0``)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r:.60}")
    out = int(value)
    if out < low:
        raise ValueError(f"{name} must be >= {low}, got {out}")
    if high is not None and out > high:
        raise ValueError(
            f"{name} must be <= {high} (a cap that keeps time and memory bounded), got {out}"
        )
    return out


def as_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of the strings ``choices``."""
    if isinstance(value, str) and value in choices:
        return value
    got = repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r:.60}"
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {got}")


def as_flag(value, name: str) -> bool:
    """Check a boolean flag (``True``/``False``, numpy bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r:.60}")
    return bool(value)


def as_real(value, name: str, *, ndim: int | None = None, min_size: int = 0) -> np.ndarray:
    """Check a real, finite array (any shape, or exactly ``ndim`` axes); returns it as is.

    ``min_size`` is the smallest allowed length of the last axis.
    """
    arr = _as_real_array(value, name)
    if ndim is not None and arr.ndim != ndim:
        want = {0: "a scalar", 1: "a vector of shape (N,)", 2: "a matrix of shape (M, N)"}
        raise ValueError(f"{name} must be {want.get(ndim, f'{ndim}-d')}, got shape {arr.shape}")
    if min_size and (arr.ndim == 0 or arr.shape[-1] < min_size):
        raise ValueError(
            f"{name} must have at least {min_size} entries along its last axis, "
            f"got shape {arr.shape}"
        )
    _require_finite(arr, name)
    return arr


def as_matrix(value, name: str, shape: tuple | None = None) -> np.ndarray:
    """Check a real finite 2-d array, of ``shape`` when given (``None`` entries are free)."""
    arr = as_real(value, name, ndim=2)
    if shape is not None and any(w is not None and w != s for w, s in zip(shape, arr.shape)):
        want = ", ".join("?" if w is None else str(w) for w in shape)
        raise ValueError(f"{name} must have shape ({want}), got {arr.shape}")
    return arr


def require_hyperplane(n: int, name: str = "gain") -> None:
    """Raise unless ``N >= 2``: with one neuron there is no hyperplane, only the point b."""
    if n < 2:
        raise ValueError(
            f"{name} has N = {n} neuron(s); a hyperplane orthogonal to 1 needs N >= 2 "
            "(with N = 1 every LayerNorm output is the single point b)"
        )


def _nonfinite_path(result, path: str = "result") -> str | None:
    """Where ``result`` (arrays, numbers, tuples, dataclasses) holds a non-finite number."""
    if isinstance(result, (bool, np.bool_, str, bytes)) or result is None:
        return None
    if isinstance(result, (float, np.floating)):
        return None if np.isfinite(result) else path
    if isinstance(result, np.ndarray):
        if result.dtype.kind in "fc" and not np.all(np.isfinite(result)):
            return path
        return None
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        items = ((f"{path}.{f.name}", getattr(result, f.name)) for f in dataclasses.fields(result))
    elif isinstance(result, (tuple, list)):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(result))
    else:
        return None
    for p, v in items:
        bad = _nonfinite_path(v, p)
        if bad:
            return bad
    return None


def finite_result(*, rename: dict | None = None):
    """Decorate a public function: no floating-point warning escapes, a non-finite result is a
    ``ValueError`` naming the arguments, and errors raised by inner calls under the inner
    argument's name (``rename = {"x": "a"}``) are re-raised under the caller's name.
    """

    def deco(fn):
        params = [p for p in inspect.signature(fn).parameters if p not in ("args", "kwargs")]

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                    out = fn(*args, **kwargs)
            except ValueError as exc:
                msg = str(exc)
                for inner, outer in (rename or {}).items():
                    if re.match(rf"{re.escape(inner)}(?![\w])", msg):
                        raise ValueError(outer + msg[len(inner):]) from None
                raise
            bad = _nonfinite_path(out)
            if bad:
                raise ValueError(
                    f"{fn.__name__}: {bad} is not finite (overflow or 0/0 in float64) for these "
                    "arguments, whose magnitudes are beyond what it can represent; scale them "
                    f"into a moderate range ({', '.join(p + '=…' for p in params)})"
                )
            return out

        return wrapper

    return deco
