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

from ._checks import (
    as_activations,
    as_count,
    as_eps,
    as_matrix,
    as_parameter,
    as_real,
    as_scalar,
    finite_result,
)
from .core import _finite, _layer_norm, project

#: ``iterate_layer_norm`` keeps every step: at most this many (LN converges in a few).
MAX_STEPS = 10_000

__all__ = [
    "line_outputs",
    "two_neuron_fold",
    "radial_and_tangential",
    "iterate_layer_norm",
    "pre_ln_residual",
    "interpolate_parameters",
]


@finite_result(rename={'x': 'a'})
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
    eps = as_eps(eps)
    a = as_real(a, "a", ndim=1, min_size=1)
    v = as_real(v, "v", ndim=1)
    if v.shape != a.shape:
        raise ValueError(f"v must have the shape of a, {a.shape}, got {v.shape}")
    t = as_real(np.atleast_1d(t) if np.ndim(t) == 0 else t, "t", ndim=1)
    with np.errstate(over="ignore", invalid="ignore"):
        x = a.astype(float)[None, :] + t.astype(float)[:, None] * v.astype(float)[None, :]
    x = _finite(x, "a + t·v")
    return _layer_norm(x, gain, bias, eps, "a + t·v")


@finite_result(rename={'x': 'a'})
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
    d = as_real(d, "d").astype(float)
    if eps == 0 and np.any(d == 0):
        raise ValueError("d = a₁ − a₂ = 0 with eps = 0 is 0/0 (a constant input); use eps > 0")
    # divide d and 2√ε by a power of two m >= max(|d|, 2√ε), so nothing over- or underflows
    _, k = np.frexp(np.maximum(np.abs(d), 2.0 * np.sqrt(eps)))
    ds = np.ldexp(d, -k)
    es = np.ldexp(2.0 * np.sqrt(eps), -k)
    return ds / np.sqrt(ds * ds + es * es)


@finite_result(rename={'x': 'a'})
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
    wmax = float(np.max(np.abs(w)))
    if wmax == 0:
        raise ValueError(
            "a has zero variance: its scaled vector has no direction; "
            "use an input with unequal entries"
        )
    # work in units t = 2**kt >= max(|Πa|, √(Nε)) so that nothing over- or underflows
    kt = int(np.frexp(max(wmax * np.sqrt(n), np.sqrt(n * eps)))[1])
    ws = np.ldexp(w, -kt)
    s = float(np.linalg.norm(ws))  # |Πa| / t
    w_hat = ws / s
    e_t = float(np.ldexp(np.sqrt(n * eps), -kt)) ** 2  # Nε / t²
    q = s * s + e_t
    dmax = float(np.max(np.abs(da), initial=0.0))
    kd = int(np.frexp(dmax)[1]) if dmax > 0 else 0
    das = np.ldexp(da, -kd)  # da / 2**kd
    along = das @ w_hat
    perp = np.ldexp(project(da), -kd) - along[..., None] * w_hat
    with np.errstate(over="ignore", under="ignore"):
        radial = np.ldexp(np.sqrt(n) * e_t / q**1.5 * along, kd - kt)
        tangential = np.ldexp(np.sqrt(n / q) * np.linalg.norm(perp, axis=-1), kd - kt)
    _finite(radial, "the radial change √N·Nε/(|Πa|²+Nε)^{3/2}·(ŵ·da)")
    _finite(tangential, "the tangential change of z for da")
    return radial, tangential


@finite_result(rename={'x': 'a'})
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
    steps = as_count(steps, "steps", high=MAX_STEPS)
    eps = as_eps(eps)
    ys = [np.asarray(as_activations(a, "a"), dtype=float)]
    for k in range(steps):
        ys.append(_layer_norm(ys[-1], gain, bias, eps, "a" if k == 0 else f"y_{k} (from a)"))
    return np.stack(ys)


@finite_result(rename={'x': 'a'})
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
    eps = as_eps(eps)
    x = as_real(x0, "x0", ndim=1, min_size=1).astype(float)
    n = x.size
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
        raise TypeError(
            f"weights must be a sequence of (N, N) = ({n}, {n}) matrices, "
            f"got {type(weights).__name__}"
        )
    xs, ys = [x], []
    for i, w in enumerate(weights):
        w = as_matrix(w, f"weights[{i}]", (n, n)).astype(float)
        name = "x0" if i == 0 else f"x_{i} (x0 after weights[0..{i - 1}])"
        y = _layer_norm(xs[-1], gain, bias, eps, name)
        ys.append(y)
        with np.errstate(over="ignore", invalid="ignore"):
            nxt = xs[-1] + w @ np.tanh(y)
        xs.append(_finite(nxt, f"x_{i + 1} = x_{i} + weights[{i}] @ tanh(y_{i})"))
    return np.stack(xs), (np.stack(ys) if ys else np.zeros((0, n)))


@finite_result(rename={'x': 'a'})
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
    t = as_scalar(t, "t")
    g = as_real(gain, "gain", ndim=1, min_size=1).astype(float)
    b = as_parameter(bias, g.size, "bias", 0.0).astype(float)
    with np.errstate(over="ignore", invalid="ignore"):
        gt, bt = (1.0 - t) + t * g, t * b
    return _finite(gt, "(1 − t) + t·gain"), _finite(bt, "t·bias")
