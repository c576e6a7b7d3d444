"""Argument checks the widgets share, on top of :mod:`lngeo._checks`: one way to refuse a bad
argument, with a message naming it, before any figure is drawn."""

from __future__ import annotations

import numpy as np

from .._checks import as_count, as_real

#: Caps on frame counts and sample sizes, so that a typo cannot ask for a billion of them.
MAX_FRAMES = 10_000
MAX_SIZE = 1_000_000


def as_vector3(value, name: str) -> np.ndarray:
    """Check a vector of a 3-D picture (N = 3): three real, finite numbers."""
    arr = as_real(value, name, ndim=1)
    if arr.shape != (3,):
        raise ValueError(f"{name} must hold 3 numbers (one per neuron of the 3-D picture), got shape {arr.shape}")
    return arr


def as_frames(n, name: str = "n") -> int:
    """Check a frame count of a static player: an integer from 1 to :data:`MAX_FRAMES`."""
    return as_count(n, name, low=1, high=MAX_FRAMES)


def as_size(value, name: str, low: int = 1) -> int:
    """Check a width or sample count: an integer from ``low`` to :data:`MAX_SIZE`."""
    return as_count(value, name, low=low, high=MAX_SIZE)


def as_seed(seed, name: str = "seed") -> int:
    """Check a random seed: an integer >= 0 (what ``numpy.random.default_rng`` accepts)."""
    return as_count(seed, name)
