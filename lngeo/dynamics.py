r"""How LayerNorm moves points: lines become arcs, iteration, the residual stream.

Chapter 6 of the book. Notation (MATH.md): ``N`` neurons, ``Π = I − 1 1ᵀ/N``, gain ``g``,
bias ``b``, ``ε ≥ 0``, and for an input ``a`` the scaled vector

.. math:: z = \sqrt N\, \frac{\Pi a}{\sqrt{|\Pi a|^2 + N\varepsilon}}, \qquad
          |z| = \sqrt N\, r, \qquad r = \frac{1}{\sqrt{1 + \varepsilon/\sigma^2}} .

The output ``LN(a) = G z + b`` is fixed by ``z``; ``z`` has a direction (a point of the
sphere in ``1⟂``) and a radius ``r`` (how close to the surface). The functions here measure
how inputs move those two things.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._checks import as_activations, as_eps, as_parameter
from .core import layer_norm, project

__all__ = [
    "line_outputs",
    "two_neuron_fold",
    "radial_and_tangential",
    "iterate_layer_norm",
    "pre_ln_residual",
    "interpolate_parameters",
]


def line_outputs(a, v, t, gain=None, bias=None, eps: float = 1e-5) -> np.ndarray:
    r"""Return ``LN(a + t v)`` for every ``t``: the image of a line, an arc on the output ellipse.

    .. math::

        y(t) = \mathrm{LN}(a + t v)
             = \sqrt N\, G\, \frac{\Pi a + t\, \Pi v}{\sqrt{|\Pi a + t\,\Pi v|^2 + N\varepsilon}} + b .

    ``Πa + tΠv`` runs along a line in ``1⟂``; the scaling sends it to an arc of (just
    inside) the sphere of radius ``√N`` in the plane spanned by ``Πa`` and ``Πv``; the gain
    stretches that arc onto the output ellipsoid. As ``t → ±∞`` the arc ends at
    ``b ± √N G Πv/|Πv|`` (for ``ε`` fixed): half of a great ellipse, never more.

    Parameters
    ----------
    a, v : array_like, shape (N,)
        A point on the line and its direction.
    t : array_like, shape (T,)
        Line parameters.
    gain, bias : array_like, shape (N,), optional
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, shape (T, N)

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite values, ``eps < 0``, or ``ε = 0`` where the
        line crosses the ``1`` axis (zero variance).

    Examples
    --------
    >>> y = line_outputs([1.0, 0.0, -1.0], [0.0, 1.0, 0.0], [-1e6, 0.0, 1e6], eps=0.0)
    >>> y.round(4)
    array([[ 0.7071, -1.4142,  0.7071],
           [ 1.2247,  0.    , -1.2247],
           [-0.7071,  1.4142, -0.7071]])
    """
    a = as_activations(a, "a")
    if a.ndim != 1:
        raise ValueError(f"a must have shape (N,), got {a.shape}")
    v = as_parameter(v, a.size, "v", 0.0)
    t = np.asarray(as_activations(np.atleast_1d(t), "t"), dtype=float)
    if t.ndim != 1:
        raise ValueError(f"t must have shape (T,), got {t.shape}")
    return layer_norm(a[None, :] + t[:, None] * v[None, :], gain, bias, eps=eps)


def two_neuron_fold(d, eps: float = 1e-5) -> np.ndarray:
    r"""Return ``LN(a)₁`` for ``N = 2``, unit gain, zero bias, as a function of ``d = a₁ − a₂``.

    .. math::

        \mathrm{LN}(a)_1 = \frac{d}{\sqrt{d^2 + 4\varepsilon}} = -\mathrm{LN}(a)_2 ,

    a sigmoid of width ``2√ε`` that becomes ``sign(d)`` when ``ε = 0``: each line along ``1``
    (fixed ``d``) collapses to one point, and the plane of inputs is squashed onto the open
    segment from ``(−1, 1)`` to ``(1, −1)`` (the function's name notwithstanding, nothing folds).

    Parameters
    ----------
    d : array_like
        Differences ``a₁ − a₂``.
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, same shape as ``d``

    Raises
    ------
    ValueError
        ``eps < 0``, or ``d = 0`` with ``eps = 0`` (0/0).

    Examples
    --------
    >>> two_neuron_fold([-2.0, 0.0, 2.0], eps=1.0).round(6)
    array([-0.707107,  0.      ,  0.707107])
    """
    eps = as_eps(eps)
    d = np.asarray(d, dtype=float)
    if eps == 0 and np.any(d == 0):
        raise ValueError("d = a₁ − a₂ = 0 with eps = 0 is 0/0 (a constant input); use eps > 0")
    return d / np.sqrt(d * d + 4.0 * eps)


def radial_and_tangential(a, da, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the first-order change of the scaled vector ``z`` along and across its direction.

    With ``s = |Πa|``, ``ŵ = Πa/s`` and a perturbation ``da``,

    .. math::

        dz_{\mathrm{radial}} = \frac{\sqrt N\, N\varepsilon}{(s^2 + N\varepsilon)^{3/2}}\, (\hat w \cdot da),
        \qquad
        |dz_{\mathrm{tangential}}| = \frac{\sqrt N}{(s^2 + N\varepsilon)^{1/2}}\,
            \big|\Pi da - (\hat w\cdot da)\,\hat w\big| .

    The radial part changes ``r`` (moves the output *across* the ellipsoid's shells); the
    tangential part moves it *along* the surface. Per unit of input, the radial gain is
    ``ε/(σ² + ε)`` times the tangential one: about ``10⁻⁵`` for ``σ = 1``.

    Parameters
    ----------
    a : array_like, shape (N,)
        Input (nonzero variance).
    da : array_like, shape (..., N)
        Perturbations.
    eps : float, default 1e-5

    Returns
    -------
    radial : numpy.ndarray, shape (...)
        Signed change of ``|z|`` (``= √N dr``).
    tangential : numpy.ndarray, shape (...)
        Length of the change of ``z`` perpendicular to ``z``.

    Raises
    ------
    ValueError
        ``a`` with zero variance, shapes that do not match, ``eps < 0``.

    Examples
    --------
    >>> rad, tan = radial_and_tangential([1.0, 0.0, -1.0], [[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]], eps=0.0)
    >>> rad.round(12) + 0.0, tan.round(6)
    (array([0., 0.]), array([0., 1.]))
    """
    eps = as_eps(eps)
    a = as_activations(a, "a").astype(float)
    if a.ndim != 1:
        raise ValueError(f"a must have shape (N,), got {a.shape}")
    n = a.size
    da = as_activations(da, "da").astype(float)
    if da.shape[-1] != n:
        raise ValueError(f"da must have shape (..., N) = (..., {n}), got {da.shape}")
    w = project(a)
    s = float(np.linalg.norm(w))
    if s == 0:
        raise ValueError("a has zero variance: its scaled vector has no direction; use an input with unequal entries")
    w_hat = w / s
    q = s * s + n * eps
    along = da @ w_hat
    radial = np.sqrt(n) * n * eps / q**1.5 * along
    perp = project(da) - along[..., None] * w_hat
    tangential = np.sqrt(n / q) * np.linalg.norm(perp, axis=-1)
    return radial, tangential


def iterate_layer_norm(a, gain=None, bias=None, eps: float = 1e-5, steps: int = 5) -> np.ndarray:
    r"""Return ``[a, LN(a), LN(LN(a)), …]``: ``steps`` repeated applications of one LayerNorm.

    .. math:: y_0 = a, \qquad y_{k+1} = \mathrm{LN}(y_k) .

    With unit gain and zero bias, ``y₁`` has mean 0 and variance ``r² = σ²/(σ²+ε)``, so

    .. math:: y_2 = \frac{y_1}{\sqrt{r^2 + \varepsilon}}, \qquad
              \frac{|y_2 - y_1|}{|y_1|} = \Big|\frac{1}{\sqrt{r^2+\varepsilon}} - 1\Big|
              \approx \frac{\varepsilon}{2}\Big|1 - \frac{1}{\sigma^2 + \varepsilon}\Big| ,

    LayerNorm is idempotent up to ``ε`` effects. A learned gain and bias break this: the
    second application re-centres ``G z + b`` and moves it to another point of the same
    output set.

    Parameters
    ----------
    a : array_like, shape (..., N)
    gain, bias : array_like, shape (N,), optional
    eps : float, default 1e-5
    steps : int, default 5

    Returns
    -------
    numpy.ndarray, shape (steps + 1, ..., N)

    Raises
    ------
    ValueError
        ``steps < 0`` and the errors of :func:`lngeo.core.layer_norm`.

    Examples
    --------
    >>> y = iterate_layer_norm([1.0, 2.0, 4.0], eps=0.0, steps=2)
    >>> bool(np.allclose(y[2], y[1]))
    True
    """
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    ys = [np.asarray(as_activations(a, "a"), dtype=float)]
    for _ in range(int(steps)):
        ys.append(layer_norm(ys[-1], gain, bias, eps=eps))
    return np.stack(ys)


def pre_ln_residual(x0, weights: Sequence, gain=None, bias=None, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    r"""Run a sketch of a pre-LN residual stream and return ``(xs, ys)``.

    .. math:: y_\ell = \mathrm{LN}(x_\ell), \qquad x_{\ell+1} = x_\ell + W_\ell \tanh(y_\ell) ,

    ``ℓ = 0 … L−1``: each block reads the stream only through LayerNorm, so whatever size
    ``x_ℓ`` grows to, every ``y_ℓ`` lies in the same output set (hyperplane ∩ ellipsoid).

    Parameters
    ----------
    x0 : array_like, shape (N,)
        The stream's start (an embedding).
    weights : list of numpy.ndarray
        The blocks' matrices ``W_ℓ``, each ``N × N``.
    gain, bias : array_like, shape (N,), optional
    eps : float, default 1e-5

    Returns
    -------
    xs : numpy.ndarray, shape (L + 1, N)
        The stream ``x_0 … x_L``.
    ys : numpy.ndarray, shape (L, N)
        What each block saw, ``LN(x_ℓ)``.

    Raises
    ------
    ValueError
        A weight of the wrong shape, and the errors of :func:`lngeo.core.layer_norm`.

    Examples
    --------
    >>> xs, ys = pre_ln_residual([1.0, 0.0, -1.0], [np.eye(3)] * 2, eps=0.0)
    >>> xs.shape, ys.shape
    ((3, 3), (2, 3))
    """
    x = np.asarray(as_activations(x0, "x0"), dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x0 must have shape (N,), got {x.shape}")
    n = x.size
    xs, ys = [x], []
    for i, w in enumerate(weights):
        w = np.asarray(w, dtype=float)
        if w.shape != (n, n):
            raise ValueError(f"weights[{i}] must have shape (N, N) = ({n}, {n}), got {w.shape}")
        y = layer_norm(xs[-1], gain, bias, eps=eps)
        ys.append(y)
        xs.append(xs[-1] + w @ np.tanh(y))
    return np.stack(xs), (np.stack(ys) if ys else np.zeros((0, n)))


def interpolate_parameters(t: float, gain, bias=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(g(t), b(t))`` on the straight path from the initial ``(1, 0)`` to ``(g, b)``.

    .. math:: g(t) = (1 - t)\,\mathbf 1 + t\, g, \qquad b(t) = t\, b, \qquad t \in [0, 1] .

    At ``t = 0`` the output set is the sphere of radius ``√N`` in ``1⟂`` (PyTorch's
    initialisation); at ``t = 1`` it is the trained ellipsoid.

    Parameters
    ----------
    t : float
        Position on the path, usually in ``[0, 1]``.
    gain : array_like, shape (N,)
    bias : array_like, shape (N,), optional
        Default 0.

    Returns
    -------
    gain_t, bias_t : numpy.ndarray, shape (N,)

    Raises
    ------
    ValueError
        Non-finite ``t``; shapes that do not match.

    Examples
    --------
    >>> interpolate_parameters(0.5, [3.0, -1.0], [2.0, 0.0])
    (array([2., 0.]), array([1., 0.]))
    """
    if not np.isfinite(t):
        raise ValueError(f"t must be finite, got {t!r}")
    g = np.asarray(as_activations(gain, "gain"), dtype=float)
    if g.ndim != 1:
        raise ValueError(f"gain must have shape (N,), got {g.shape}")
    b = as_parameter(bias, g.size, "bias", 0.0).astype(float)
    return (1.0 - t) + t * g, t * b
