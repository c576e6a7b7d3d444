"""lngeo.layer_norm agrees with PyTorch's torch.nn.functional.layer_norm (the reference users know)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from conftest import require_module

SHAPES = [(7,), (3, 5), (2, 4, 16), (8, 768), (2, 3, 1)]
EPS = [0.0, 1e-12, 1e-5, 1e-1]


@pytest.fixture(scope="module")
def torch():
    return require_module("torch", "pip install torch==2.13.0 (CPU build; kept out of requirements.txt)")


# N = 1 with eps = 0 is 0/0: lngeo raises (tested in test_core) where torch returns nan.
CASES = [
    (dtype, shape, eps, affine)
    for dtype in ("float32", "float64")
    for shape in SHAPES
    for eps in EPS
    for affine in (False, True)
    if not (shape[-1] == 1 and eps == 0.0)
]


@pytest.mark.parametrize(("dtype", "shape", "eps", "affine"), CASES)
def test_layer_norm_agrees_with_torch(torch, dtype, shape, eps, affine):
    import lngeo

    rng = np.random.default_rng(zlib.crc32(repr((dtype, shape, eps, affine)).encode()))
    n = shape[-1]
    x = (rng.normal(size=shape) * 3 + rng.normal(size=shape[:-1] + (1,))).astype(dtype)
    gain = rng.normal(1, 0.5, n).astype(dtype) if affine else None
    bias = rng.normal(0, 0.5, n).astype(dtype) if affine else None
    tx = torch.from_numpy(x)
    tw = torch.from_numpy(gain) if affine else None
    tb = torch.from_numpy(bias) if affine else None
    want = torch.nn.functional.layer_norm(tx, (n,), tw, tb, eps=eps).numpy()
    got = lngeo.layer_norm(x, gain, bias, eps=eps)
    assert got.dtype == want.dtype
    tol = {"float32": 2e-6, "float64": 1e-13}[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 4)


def test_one_neuron_with_eps_gives_the_bias_like_torch(torch):
    import lngeo

    x = np.array([[3.0], [-2.0]])
    want = torch.nn.functional.layer_norm(torch.from_numpy(x), (1,), torch.tensor([2.0], dtype=torch.float64), torch.tensor([0.5], dtype=torch.float64), eps=1e-5).numpy()
    np.testing.assert_array_equal(lngeo.layer_norm(x, [2.0], [0.5], eps=1e-5), want)
