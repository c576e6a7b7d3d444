r"""LayerNorm and the neurons' basis: how its geometry moves under linear maps of ``R^N``.

LayerNorm is not a function of a vector alone but of a vector *written in the neurons'
basis*: the projection removes the component along ``1`` (the sum of the basis vectors) and
the gain ``G = diag(g)`` is diagonal in that basis. Two consequences are computed here.

**Normals transform by the inverse transpose.** If ``A`` is invertible and the hyperplane
``H = {u : n·u = 0}`` is mapped by ``u ↦ A u + b``, the image is the hyperplane through ``b``
with normal ``A⁻ᵀ n``: a tangent ``t`` of ``H`` becomes ``A t`` and
``(A⁻ᵀ n)·(A t) = n·t = 0``. For LayerNorm, ``A = G`` and ``n = 1`` give the output
hyperplane's normal ``G⁻¹ 1 = α``, ``α_n = 1/g_n``.

**Which orthogonal maps commute with LayerNorm** (beyond the paper). For an orthogonal
``R``, ``ε > 0`` and a gain with no zero entry, there are a gain ``g'`` and a bias ``b'`` with

.. math::

    \mathrm{LN}_{g', b'}(R a) = R\,\mathrm{LN}_{g, b}(a) \quad \text{for every } a

if and only if ``R 1 = ±1`` and ``R G Rᵀ`` is diagonal; then ``g' = diag(R G Rᵀ)`` and
``b' = R b`` (the *transported* parameters). So a permutation ``P`` always works, with
``g' = P g`` and ``b' = P b``; with a uniform gain every ``R`` with ``R 1 = ±1`` works; with
distinct gains only ``±P`` do; a sign flip ``S = diag(±1) ≠ ±I`` never does, since ``S 1 ≠ ±1``.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_activations,
    as_count,
    as_eps,
    as_flag,
    as_parameter,
    finite_result,
    require_hyperplane,
)
from .core import layer_norm

__all__ = [
    "transform_normal",
    "ones_defect",
    "random_rotation",
    "transported_parameters",
    "equivariance_error",
]

#: Largest ``|RᵀR − I|`` accepted as orthogonal, in units of ``N`` float64 epsilons.
_ORTHO_ULPS = 1e4


def _square(matrix, name: str = "matrix") -> np.ndarray:
    """Check a real, finite ``(N, N)`` matrix with ``N >= 2``."""
    m = as_activations(matrix, name).astype(np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be a square matrix of shape (N, N), got shape {m.shape}")
    require_hyperplane(m.shape[0], name)
    return m


def _orthogonal(matrix, name: str = "matrix") -> np.ndarray:
    """Check a square matrix and that it is orthogonal to round-off."""
    m = _square(matrix, name)
    n = m.shape[0]
    off = float(np.abs(m.T @ m - np.eye(n)).max())
    if off > _ORTHO_ULPS * n * np.finfo(np.float64).eps:
        raise ValueError(
            f"{name} must be orthogonal (RᵀR = I), but max|RᵀR − I| = {off:.1e}; "
            "orthonormalise it first, e.g. with numpy.linalg.qr"
        )
    return m


@finite_result()
def transform_normal(matrix, normal) -> np.ndarray:
    r"""Return the unit normal of the image of the hyperplane ``{u : n·u = 0}`` under ``u ↦ A u + b``.

    .. math::

        \hat n' = \frac{A^{-\top} n}{|A^{-\top} n|}, \qquad
        (A^{-\top} n)\cdot(A t) = n \cdot t = 0 \ \text{for every tangent } t \perp n .

    Tangent vectors are pushed forward by ``A``; normals by ``A⁻ᵀ``. The bias ``b`` only
    moves the plane, so it does not enter. With ``A = G = diag(g)`` and ``n = 1`` this is
    LayerNorm's output normal ``α/|α|``, ``α_n = 1/g_n``.

    Parameters
    ----------
    matrix : array_like, shape (N, N)
        An invertible matrix ``A``.
    normal : array_like, shape (N,)
        A nonzero normal ``n`` of the hyperplane through the origin.

    Returns
    -------
    numpy.ndarray, shape (N,)
        Unit vector along ``A⁻ᵀ n``.

    Raises
    ------
    ValueError
        ``matrix`` not square or singular (a zero gain: use
        :func:`lngeo.hyperplane_normal`, which knows the limit ``e_j``), ``normal`` of the
        wrong shape or zero, or non-finite entries.

    Examples
    --------
    >>> transform_normal(np.diag([2.0, 1.0, 0.5]), np.ones(3)).round(6)
    array([0.218218, 0.436436, 0.872872])
    """
    a = _square(matrix)
    n = as_parameter(normal, a.shape[0], "normal", 0.0).astype(np.float64)
    if not np.any(n):
        raise ValueError("normal must be a nonzero vector")
    try:
        v = np.linalg.solve(a.T, n)
    except np.linalg.LinAlgError:
        raise ValueError("matrix must be invertible to map a hyperplane onto a hyperplane") from None
    if not np.all(np.isfinite(v)):
        raise ValueError("matrix is too close to singular: A⁻ᵀn is not finite")
    v = v / np.abs(v).max()  # rescale before squaring: no overflow for tiny gains
    return v / np.linalg.norm(v)


@finite_result()
def ones_defect(matrix) -> float:
    r"""Return how far a matrix is from fixing ``1`` up to sign: ``min_s |R 1 − s 1| / √N``.

    .. math::

        d(R) = \min_{s = \pm 1} \frac{|R\mathbf 1 - s\mathbf 1|}{\sqrt N} .

    ``d(R) = 0`` exactly when ``R 1 = ±1``, the first condition for ``R`` to commute with
    LayerNorm (module docstring). For an orthogonal ``R`` it is at most ``√2``.

    Parameters
    ----------
    matrix : array_like, shape (N, N)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``matrix`` not square, ``N < 2`` or non-finite entries.

    Examples
    --------
    >>> ones_defect(np.eye(3)[[2, 0, 1]])     # a permutation fixes 1
    0.0
    >>> round(ones_defect(np.diag([1.0, -1.0, 1.0])), 6)   # a sign flip does not
    1.154701
    """
    m = _square(matrix)
    n = m.shape[0]
    r1 = m.sum(axis=1)
    return float(min(np.linalg.norm(r1 - 1.0), np.linalg.norm(r1 + 1.0)) / np.sqrt(n))


@finite_result()
def random_rotation(n: int, seed=None, fix_ones: bool = False) -> np.ndarray:
    r"""Return a random rotation of ``R^n`` (orthogonal, determinant +1), optionally fixing ``1``.

    Without ``fix_ones``: Haar-distributed on ``SO(n)`` (QR of a Gaussian matrix with the
    signs of ``R``'s diagonal fixed). With ``fix_ones``: ``1̂1̂ᵀ + Q W Qᵀ`` for ``Q`` an
    orthonormal basis of ``1⟂`` (columns) and ``W`` a random rotation of ``R^{n−1}``, so
    ``R 1 = 1`` exactly in exact arithmetic.

    Parameters
    ----------
    n : int
        Dimension, ``n >= 2``.
    seed : int or numpy.random.Generator, optional
        Seed for reproducible rotations.
    fix_ones : bool, default False
        Return a rotation with ``R 1 = 1``.

    Returns
    -------
    numpy.ndarray, shape (n, n)

    Raises
    ------
    ValueError
        ``n < 2``.
    TypeError
        ``n`` not an integer.

    Examples
    --------
    >>> R = random_rotation(4, seed=0, fix_ones=True)
    >>> bool(np.allclose(R @ np.ones(4), np.ones(4)))
    True
    """
    n = as_count(n, "n", high=4096)  # a dense n × n QR: 4096 is already 130 MB
    require_hyperplane(n, "n")
    fix_ones = as_flag(fix_ones, "fix_ones")
    if not (seed is None or isinstance(seed, np.random.Generator)):
        seed = as_count(seed, "seed")
    rng = np.random.default_rng(seed)

    def haar(k: int) -> np.ndarray:
        q, r = np.linalg.qr(rng.normal(size=(k, k)))
        q = q * np.sign(np.diag(r))
        if np.linalg.det(q) < 0:
            q[:, 0] = -q[:, 0]
        return q

    if not fix_ones:
        return haar(int(n))
    ones = np.ones(n) / np.sqrt(n)
    q = np.linalg.svd(np.eye(n) - np.outer(ones, ones))[0][:, : n - 1]
    w = haar(n - 1) if n > 2 else np.eye(1)
    return np.outer(ones, ones) + q @ w @ q.T


@finite_result()
def transported_parameters(matrix, gain=None, bias=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the gain and bias that LayerNorm would need after an orthogonal change of basis ``R``.

    .. math::

        g' = \operatorname{diag}(R\,G\,R^\top), \qquad b' = R\,b .

    These are the only candidates: if any ``(g', b')`` makes
    ``LN_{g',b'}(R a) = R·LN_{g,b}(a)`` for every ``a`` (with ``ε > 0`` and no zero gain),
    it is this one (module docstring). For a permutation ``P`` they are ``P g`` and ``P b``.

    Parameters
    ----------
    matrix : array_like, shape (N, N)
        An orthogonal matrix ``R``.
    gain, bias : array_like, shape (N,), optional
        ``g`` (default 1) and ``b`` (default 0).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``g'`` and ``b'``, each of shape (N,).

    Raises
    ------
    ValueError
        ``matrix`` not orthogonal, wrong shapes or non-finite entries.

    Examples
    --------
    >>> P = np.eye(3)[[2, 0, 1]]
    >>> transported_parameters(P, [1.0, 2.0, 3.0], [0.0, 0.1, 0.2])
    (array([3., 1., 2.]), array([0.2, 0. , 0.1]))
    """
    r = _orthogonal(matrix)
    n = r.shape[0]
    g = as_parameter(gain, n, "gain", 1.0).astype(np.float64)
    b = as_parameter(bias, n, "bias", 0.0).astype(np.float64)
    return np.einsum("ij,j,ij->i", r, g, r), r @ b


@finite_result()
def equivariance_error(matrix, x, gain=None, bias=None, eps: float = 1e-5, transport: bool = True) -> np.ndarray:
    r"""Return ``|LN_{g',b'}(R x) − R·LN_{g,b}(x)|`` for each input ``x``: how far ``R`` is from commuting.

    .. math::

        e(x) = \big|\mathrm{LN}_{g', b'}(R x) - R\,\mathrm{LN}_{g, b}(x)\big|,

    with ``(g', b')`` the :func:`transported_parameters` (``transport=True``) or ``(g, b)``
    itself (``transport=False``: does ``R`` commute with this very LayerNorm?). The error is
    0 for every ``x`` exactly when ``R 1 = ±1`` and ``R G Rᵀ`` is diagonal (module
    docstring). Outputs have ``|y − b| ≤ √N max|g|``, the natural scale of ``e``.

    Parameters
    ----------
    matrix : array_like, shape (N, N)
        An orthogonal matrix ``R``.
    x : array_like, shape (..., N)
        Inputs.
    gain, bias : array_like, shape (N,), optional
        ``g`` (default 1) and ``b`` (default 0).
    eps : float, default 1e-5
        Variance floor ``ε >= 0``.
    transport : bool, default True
        Compare with the transported parameters (True) or the same ones (False).

    Returns
    -------
    numpy.ndarray, shape (...)
        One Euclidean distance per input.

    Raises
    ------
    ValueError
        ``matrix`` not orthogonal; shapes that do not match; non-finite values; negative
        ``eps``; a constant input with ``eps = 0``.

    Examples
    --------
    >>> P = np.eye(3)[[2, 0, 1]]
    >>> g, b, a = [1.0, 2.0, 3.0], [0.0, 0.1, 0.2], [0.3, -1.0, 2.0]
    >>> bool(equivariance_error(P, a, g, b) < 1e-15)
    True
    >>> bool(equivariance_error(P, a, g, b, transport=False) > 1)
    True
    """
    r = _orthogonal(matrix)
    n = r.shape[0]
    xs = as_activations(x)
    if xs.shape[-1] != n:
        raise ValueError(f"x must have N = {n} neurons along its last axis (matrix is {n}×{n}), got shape {xs.shape}")
    eps = as_eps(eps)
    g = as_parameter(gain, n, "gain", 1.0).astype(np.float64)
    b = as_parameter(bias, n, "bias", 0.0).astype(np.float64)
    g2, b2 = transported_parameters(r, g, b) if as_flag(transport, "transport") else (g, b)
    xs = xs.astype(np.float64)
    left = layer_norm(xs @ r.T, g2, b2, eps=eps)
    right = layer_norm(xs, g, b, eps=eps) @ r.T
    return np.linalg.norm(left - right, axis=-1)
