"""Input checks shared by every public function, so all of them fail the same way.

Each helper either returns a clean ``numpy`` array or raises ``ValueError`` /
``TypeError`` with a message that names the argument, what was expected and
what was received (``"gain must have shape (N,) = (3,), got (4,)"``).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_activations", "as_parameter", "as_eps", "require_hyperplane", "working_dtype"]


def _as_real_array(value, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic containers
        raise TypeError(f"{name} must be array-like of real numbers, got {type(value).__name__}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    return arr


def working_dtype(*arrays: np.ndarray) -> np.dtype:
    """Return the floating dtype results are reported in.

    Floating inputs keep their precision (float32 in, float32 out, like PyTorch);
    integer and boolean inputs are promoted to float64. Mixed inputs follow numpy
    promotion, e.g. float32 activations with a float64 gain give float64.
    """
    floats = [a.dtype if np.issubdtype(a.dtype, np.floating) else np.dtype(np.float64) for a in arrays]
    return np.result_type(*floats)


def _first_bad_index(arr: np.ndarray) -> tuple:
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


def as_eps(eps) -> float:
    """Check the variance floor: a finite real number ``eps >= 0``."""
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (numbers.Real, np.floating, np.integer)):
        if isinstance(eps, np.ndarray) and eps.ndim == 0 and np.issubdtype(eps.dtype, np.number):
            eps = eps.item()
        else:
            raise TypeError(f"eps must be a real number, got {type(eps).__name__}")
    eps = float(eps)
    if not np.isfinite(eps):
        raise ValueError(f"eps must be finite, got {eps}")
    if eps < 0:
        raise ValueError(f"eps must be >= 0 (it is a variance floor), got {eps}")
    return eps


def require_hyperplane(n: int, name: str = "gain") -> None:
    """Raise unless ``N >= 2``: with one neuron there is no hyperplane, only the point b."""
    if n < 2:
        raise ValueError(
            f"{name} has N = {n} neuron(s); a hyperplane orthogonal to 1 needs N >= 2 "
            "(with N = 1 every LayerNorm output is the single point b)"
        )
