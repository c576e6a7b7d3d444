r"""The backward pass through LayerNorm: where gradients can point, and how fast outputs turn.

Chapter 6 of the book ("beyond the paper": Riechers 2024 derives the composition and the
output set; the derivatives below are worked out here). Notation (MATH.md): ``N`` neurons,
``Π = I − 1 1ᵀ/N``, gain ``g`` (``G = diag g``), ``ε ≥ 0``; for an input ``a``

.. math::

    c = \frac{1}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
    z = c\,\Pi a, \qquad
    J(a) = c\, G\,\Big(\Pi - \frac{z z^\top}{N}\Big)
         = c\, G\,\Big(\Pi - \frac{\sigma^2}{\sigma^2+\varepsilon}\,\hat w \hat w^\top\Big),
    \qquad \hat w = \frac{\Pi a}{|\Pi a|} .

* The **backward pass** sends an upstream gradient ``u = ∂L/∂y`` to
  ``∂L/∂a = Jᵀu = c (Π − z zᵀ/N)(g ⊙ u)``: always ``⊥ 1``, and ``⊥ Πa`` up to the factor
  ``ε/(σ² + ε)`` (exactly when ``ε = 0``).
* On the **turning space** ``T = 1⟂ ∩ (Πa)⟂`` (dimension ``N − 2``) the bracket is the
  identity, so ``J`` acts there as ``c G``. Its singular values ("turning speeds") interlace
  the output ellipsoid's semi-axes ``s_k`` (chapter 5) divided by ``√N``, times ``c``.
* The **parameter gradients** are ``∂L/∂g = Σ u ⊙ z`` and ``∂L/∂b = Σ u``: training moves
  only the affine stage; ``z`` does not depend on ``g`` or ``b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import (
    as_activations,
    as_count,
    as_eps,
    as_parameter,
    as_scalar,
    finite_result,
    require_hyperplane,
)
from .core import _center, decompose, project
from .geometry import _inverse_std as _geo_inverse_std
from .geometry import semi_axes

__all__ = [
    "input_gradient",
    "parameter_gradients",
    "turning_basis",
    "turning_speeds",
    "turning_speed_bounds",
    "GainBiasPath",
    "fit_gain_bias",
]


def _inverse_std(a: np.ndarray, eps: float) -> np.ndarray:
    """``c = 1/√(σ² + ε)`` along the last axis, from the accurately centred input."""
    d, k = _center(a)
    if eps == 0 and np.any(np.max(np.abs(d), axis=-1) == 0):
        raise ValueError("a has zero variance and eps = 0: LayerNorm is 0/0 there; use eps > 0")
    return _geo_inverse_std(d, k, eps)  # rescaled: no spurious zero variance at 1e-200


@finite_result(rename={"x": "a"})
def input_gradient(a, upstream, gain=None, eps: float = 1e-5) -> np.ndarray:
    r"""Return ``∂L/∂a = J(a)ᵀ u``: the gradient LayerNorm hands back to its input.

    .. math::

        \frac{\partial L}{\partial a} = J^\top u
        = \frac{1}{\sqrt{\sigma^2+\varepsilon}}\Big(\Pi v - \frac{z\cdot v}{N}\, z\Big),
        \qquad v = g \odot u, \quad z = \frac{\Pi a}{\sqrt{\sigma^2 + \varepsilon}} .

    It is orthogonal to ``1`` for every ``u``, and its component along ``Πa`` is
    ``c·ε/(σ² + ε)·(ŵ·v)``: zero when ``ε = 0``. With ``ε = 0`` it scales as ``1/σ``:
    ``input_gradient(λa, u) = input_gradient(a, u)/|λ|``.

    Parameters
    ----------
    a : array_like, shape (..., N)
        Inputs of the LayerNorm.
    upstream : array_like, shape (..., N)
        ``u = ∂L/∂y``, the gradient arriving at the output (broadcast against ``a``).
    gain : array_like, shape (N,), optional
        Default 1. (The bias does not enter.)
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, shape of ``a`` broadcast with ``upstream``

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite values, ``eps < 0``, zero variance with ``eps = 0``.

    Examples
    --------
    >>> grad = input_gradient([1.0, 2.0, 4.0], [1.0, 0.0, 0.0], eps=0.0)
    >>> grad.round(6)
    array([ 0.229081, -0.343622,  0.114541])
    >>> float(abs(grad.sum())) < 1e-15, float(abs(grad @ [-4/3, -1/3, 5/3])) < 1e-15  # ⊥ 1, ⊥ Πa
    (True, True)
    """
    eps = as_eps(eps)
    a = np.asarray(as_activations(a, "a"), dtype=float)
    n = a.shape[-1]
    u = np.asarray(as_activations(upstream, "upstream"), dtype=float)
    if u.shape[-1] != n:
        raise ValueError(f"upstream must have shape (..., N) = (..., {n}), got {u.shape}")
    g = as_parameter(gain, n, "gain", 1.0).astype(float)
    c = _inverse_std(a, eps)[..., None]
    z = decompose(a, eps=eps).scaled
    v = g * u
    return c * (project(v) - np.sum(z * v, axis=-1, keepdims=True) * z / n)


@finite_result(rename={"x": "a"})
def parameter_gradients(a, upstream, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(∂L/∂g, ∂L/∂b)``, summed over the leading (batch) axes.

    .. math::

        y = G z + b \quad\Longrightarrow\quad
        \frac{\partial L}{\partial g} = \sum_{\text{batch}} u \odot z, \qquad
        \frac{\partial L}{\partial b} = \sum_{\text{batch}} u ,

    with ``u = ∂L/∂y`` and ``z`` the scaled input, which does not depend on ``g`` or ``b``:
    a gradient step on the parameters moves every output from ``Gz + b`` to ``G'z + b'`` and
    leaves the projection and scaling untouched.

    Parameters
    ----------
    a : array_like, shape (..., N)
    upstream : array_like, same shape as ``a``
    eps : float, default 1e-5

    Returns
    -------
    grad_gain, grad_bias : numpy.ndarray, shape (N,)

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite values, ``eps < 0``, zero variance with ``eps = 0``.

    Examples
    --------
    >>> gg, gb = parameter_gradients([[1.0, 2.0, 4.0]], [[1.0, 0.0, 0.0]], eps=0.0)
    >>> gg.round(6), gb
    (array([-1.069045,  0.      ,  0.      ]), array([1., 0., 0.]))
    """
    eps = as_eps(eps)
    a = np.asarray(as_activations(a, "a"), dtype=float)
    u = np.asarray(as_activations(upstream, "upstream"), dtype=float)
    if u.shape != a.shape:
        raise ValueError(f"upstream must have the shape of a, {a.shape}, got {u.shape}")
    z = decompose(a, eps=eps).scaled
    n = a.shape[-1]
    return (u * z).reshape(-1, n).sum(axis=0), u.reshape(-1, n).sum(axis=0)


@finite_result(rename={"x": "a"})
def turning_basis(a) -> np.ndarray:
    r"""Return orthonormal rows spanning the turning space ``T = 1⟂ ∩ (Πa)⟂`` (``N − 2`` rows).

    These are the input directions that turn ``Πa`` without changing its mean or length.

    Parameters
    ----------
    a : array_like, shape (N,)
        An input with nonzero variance, ``N ≥ 3``.

    Returns
    -------
    numpy.ndarray, shape (N − 2, N)

    Raises
    ------
    ValueError
        ``N < 3``, ``a`` not one-dimensional, or zero variance.

    Examples
    --------
    >>> turning_basis([1.0, 2.0, 4.0]).shape
    (1, 3)
    """
    a = np.asarray(as_activations(a, "a"), dtype=float)
    if a.ndim != 1:
        raise ValueError(f"a must have shape (N,), got {a.shape}")
    n = a.size
    if n < 3:
        raise ValueError(f"a has N = {n} neurons; the turning space 1⟂ ∩ (Πa)⟂ needs N >= 3")
    w = project(a)
    s = np.linalg.norm(w)
    if s == 0:
        raise ValueError("a has zero variance: Πa = 0 has no direction to turn")
    known = np.stack([np.full(n, 1.0 / np.sqrt(n)), w / s])
    # Complete (1̂, ŵ) to an orthonormal basis: the last N − 2 right singular vectors.
    _, _, vt = np.linalg.svd(known, full_matrices=True)
    return vt[2:]


@finite_result(rename={"x": "a"})
def turning_speeds(a, gain=None, eps: float = 1e-5) -> np.ndarray:
    r"""Return the ``N − 2`` singular values of the Jacobian on the turning space, descending.

    .. math::

        \tau_k = \frac{1}{\sqrt{\sigma^2+\varepsilon}}\;\mathrm{sv}_k\big(G\,Q_T\big),

    ``Q_T`` an orthonormal basis of ``T = 1⟂ ∩ (Πa)⟂``, on which ``J = cG``. How fast the output
    moves per unit of turning input, in the best and worst directions. With ``ε = 0``,
    ``J = c G P_T`` and its singular values are exactly these and two zeros (along ``1`` and
    ``ŵ``); with ``ε > 0``, ``J = c G P_T + (J ŵ) ŵᵀ``, so (Weyl) the ``N − 2`` largest singular
    values of ``J`` differ from them by at most ``|J ŵ| = c·ε/(σ²+ε)·|G ŵ|``, and the one new
    nonzero singular value is at most ``|J ŵ|`` (equal to it only for unit gain, in general).

    Parameters
    ----------
    a : array_like, shape (N,)
        Input with nonzero variance, ``N ≥ 3``.
    gain : array_like, shape (N,), optional
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, shape (N − 2,)

    Raises
    ------
    ValueError
        As :func:`turning_basis`, and bad ``gain`` or ``eps``.

    Examples
    --------
    >>> turning_speeds([1.0, 2.0, 4.0, 0.0], eps=0.0).round(6)  # unit gain: 1/σ twice
    array([0.676123, 0.676123])
    """
    eps = as_eps(eps)
    q = turning_basis(a)
    a = np.asarray(a, dtype=float)
    g = as_parameter(gain, a.size, "gain", 1.0).astype(float)
    c = float(_inverse_std(a, eps))
    return c * np.linalg.svd(g[:, None] * q.T, compute_uv=False)


@finite_result(rename={"x": "a"})
def turning_speed_bounds(a, gain=None, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(lower, upper)``: the interlacing bounds on :func:`turning_speeds`.

    With ``s_1 ≥ … ≥ s_{N−1}`` the output ellipsoid's semi-axes (:func:`lngeo.semi_axes`),

    .. math::

        \frac{s_{k+1}}{\sqrt N\,\sqrt{\sigma^2+\varepsilon}} \;\le\; \tau_k \;\le\;
        \frac{s_k}{\sqrt N\,\sqrt{\sigma^2+\varepsilon}}, \qquad k = 1, \dots, N-2 .

    Why: ``s_k/√N`` are the singular values of ``G`` on ``1⟂`` (chapter 5's SVD route), so
    ``s_k²/N`` are the eigenvalues of the compression of ``G²`` to ``1⟂``; ``T`` is a hyperplane
    of ``1⟂``, and Cauchy's interlacing theorem bounds the compression to ``T``.

    Parameters
    ----------
    a : array_like, shape (N,)
    gain : array_like, shape (N,), optional
    eps : float, default 1e-5

    Returns
    -------
    lower, upper : numpy.ndarray, shape (N − 2,)

    Raises
    ------
    ValueError
        As :func:`turning_speeds`.

    Examples
    --------
    >>> lo, hi = turning_speed_bounds([1.0, 2.0, 4.0], gain=[1.0, 2.0, 3.0], eps=0.0)
    >>> tau = turning_speeds([1.0, 2.0, 4.0], gain=[1.0, 2.0, 3.0], eps=0.0)
    >>> bool(lo[0] <= tau[0] <= hi[0])
    True
    """
    eps = as_eps(eps)
    a = np.asarray(as_activations(a, "a"), dtype=float)
    if a.ndim != 1:
        raise ValueError(f"a must have shape (N,), got {a.shape}")
    require_hyperplane(a.size, "a")
    g = as_parameter(gain, a.size, "gain", 1.0).astype(float)
    c = float(_inverse_std(a, eps))
    s = semi_axes(g) * c / np.sqrt(a.size)
    return s[1:], s[:-1]


@dataclass(frozen=True)
class GainBiasPath:
    """A real gradient-descent run on ``(g, b)``: every iterate and its loss."""

    gains: np.ndarray   #: shape (steps + 1, N)
    biases: np.ndarray  #: shape (steps + 1, N)
    losses: np.ndarray  #: shape (steps + 1,)


@finite_result(rename={"x": "inputs"})
def fit_gain_bias(inputs, targets, steps: int = 200, lr: float = 0.1, eps: float = 1e-5,
                  gain=None, bias=None) -> GainBiasPath:
    r"""Train a LayerNorm's gain and bias by gradient descent on a squared loss; return the path.

    .. math::

        L(g, b) = \frac{1}{2B}\sum_{i=1}^{B} |G z_i + b - t_i|^2, \qquad
        g \leftarrow g - \eta\,\frac{1}{B}\sum_i u_i \odot z_i, \quad
        b \leftarrow b - \eta\,\frac{1}{B}\sum_i u_i, \qquad u_i = G z_i + b - t_i .

    The scaled inputs ``z_i`` never change (they do not depend on ``g``, ``b``), so this is
    gradient descent on a convex quadratic; its path from ``(g, b)`` is in general *not* the
    straight segment to the minimiser.

    Parameters
    ----------
    inputs, targets : array_like, shape (B, N)
    steps : int, default 200
    lr : float, default 0.1
        The step size ``η > 0``.
    eps : float, default 1e-5
    gain, bias : array_like, shape (N,), optional
        The starting point; default PyTorch's initialisation ``(1, 0)``.

    Returns
    -------
    GainBiasPath

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite values, ``steps < 0``, ``lr <= 0``.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]])
    >>> path = fit_gain_bias(x, 2 * x, steps=3, lr=0.5, eps=0.0)
    >>> path.gains.shape, bool(path.losses[-1] < path.losses[0])
    ((4, 3), True)
    """
    eps = as_eps(eps)
    x = np.asarray(as_activations(inputs, "inputs"), dtype=float)
    t = np.asarray(as_activations(targets, "targets"), dtype=float)
    if x.ndim != 2 or t.shape != x.shape:
        raise ValueError(f"inputs and targets must both have shape (B, N), got {x.shape} and {t.shape}")
    steps = as_count(steps, "steps", high=100_000)
    lr = as_scalar(lr, "lr")
    if not lr > 0:
        raise ValueError(f"lr must be a positive finite step size, got {lr!r}")
    n = x.shape[1]
    g = as_parameter(gain, n, "gain", 1.0).astype(float)
    b = as_parameter(bias, n, "bias", 0.0).astype(float)
    z = decompose(x, eps=eps).scaled
    gains, biases, losses = [], [], []
    for k in range(steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            u = g * z + b - t
            loss = 0.5 * np.mean(np.sum(u * u, axis=1))
        if not (np.isfinite(loss) and np.all(np.isfinite(g)) and np.all(np.isfinite(b))):
            raise ValueError(
                f"gradient descent diverged at step {k} (the loss overflowed): lr = {lr:g} is "
                "too large for these inputs and targets; use a smaller lr"
            )
        gains.append(g), biases.append(b), losses.append(loss)
        if k < steps:
            with np.errstate(over="ignore", invalid="ignore"):
                g = g - lr * np.mean(u * z, axis=0)
                b = b - lr * np.mean(u, axis=0)
    return GainBiasPath(np.stack(gains), np.stack(biases), np.array(losses))
