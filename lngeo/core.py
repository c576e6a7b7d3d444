r"""LayerNorm and its three stages: projection, nonlinear scaling, affine map.

Notation (MATH.md): ``N`` neurons, activation ``a``, gain ``g`` with ``G = diag(g)``,
bias ``b``, variance floor ``eps``; ``1`` the all-ones vector and
``Π = I - 1 1ᵀ / N`` the orthogonal projector onto the hyperplane ``⟂ 1``.

.. math::

    \mathrm{LN}(a) = g \odot \frac{a - \mu(a)\,1}{\sqrt{\sigma^2(a) + \varepsilon}} + b
                   = \sqrt{N}\, G\, \frac{\Pi a}{\sqrt{|\Pi a|^2 + N\varepsilon}} + b .

Every function acts on the last axis and broadcasts over leading ones.

Precision
---------
Results come back in the input's floating dtype (float32 in, float32 out, as in
PyTorch; integers become float64) but are *computed* in at least float64 and
rescaled by powers of two first (MATH.md §6), so that inputs of order 1e200
(float64) or 1e20 (float32) give the right answer instead of overflowing to ``b``.
An input whose entries are all exactly equal has zero variance: the output is
exactly ``b`` when ``eps > 0`` and a ``ValueError`` when ``eps = 0``; round-off in
its mean (``0.1 * 1`` has ``a - mean(a) = 1.4e-17``) is never mistaken for signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_activations, as_eps, as_parameter, working_dtype

__all__ = [
    "layer_norm",
    "project",
    "scale",
    "affine",
    "decompose",
    "Decomposition",
    "radial_fraction",
    "rms_norm",
]


def _compute_dtype(dtype: np.dtype) -> np.dtype:
    """At least float64 (long double stays long double)."""
    return np.result_type(dtype, np.float64)


def _center(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(d, k)`` with ``Πx = d * 2**k`` and ``max|d| <= 2``, computed accurately.

    ``x`` is first divided by a power of two ``2**k >= max|x|`` (exact), then the mean is
    removed twice (the second pass removes the round-off of the first). Rows whose
    entries are all exactly equal get ``d = 0`` exactly.
    """
    amax = np.max(np.abs(x), axis=-1, keepdims=True)
    _, k = np.frexp(amax)
    xs = np.ldexp(x, -k)
    d = xs - np.mean(xs, axis=-1, keepdims=True)
    d = d - np.mean(d, axis=-1, keepdims=True)
    constant = np.all(x == x[..., :1], axis=-1, keepdims=True)
    d = np.where(constant, 0.0, d)
    return d, k


def _unit_scale(
    d: np.ndarray, k: np.ndarray, eps: float, what: str, name: str = "x"
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(z, r)`` with ``z = v / sqrt(mean(v²) + eps)`` and ``r = |z| / sqrt(N)`` for ``v = d * 2**k``.

    Both ``v`` and ``sqrt(eps)`` are rescaled by one power of two ``t >= max(|v|, sqrt(eps))``
    before squaring, so nothing overflows or underflows to a wrong answer.
    Raises ``ValueError`` where ``v = 0`` and ``eps = 0`` (0/0).
    """
    dmax = np.max(np.abs(d), axis=-1, keepdims=True)
    zero = dmax == 0
    if eps == 0.0 and np.any(zero):
        where = np.argwhere(zero[..., 0])
        row = tuple(int(i) for i in where[0]) if where.size else ()
        loc = f" (row {row})" if row else ""
        raise ValueError(
            f"{name} has zero {what}{loc} and eps = 0: LayerNorm is 0/0 there. "
            "Use eps > 0, or an input whose entries are not all equal."
        )
    _, kd = np.frexp(dmax)
    kd = np.where(zero, np.iinfo(np.int32).min // 2, kd)
    if eps > 0:
        fe, ke = np.frexp(np.sqrt(eps))
        ke_rel = ke - k  # sqrt(eps) relative to the 2**k frame of d
        kt = np.maximum(kd, ke_rel)
        eps_t = np.ldexp(fe, ke_rel - kt) ** 2  # eps / (2**k * 2**kt)**2, in [0, 1)
    else:
        kt = kd
        eps_t = 0.0
    dt = np.ldexp(d, -kt)
    # RMS of dt without squaring tiny numbers into zero: factor out max|dt| (a power of two
    # times [0.5, 1)). When rms**2 still underflows, eps_t >= 1/4 dominates the sum anyway.
    # (relative to 2**kd, not to dt: 2**(kd − kt) itself may underflow when ε dominates)
    kd0 = np.where(zero, 0, kd)
    rel = np.ldexp(d, -kd0)
    rms = np.ldexp(np.sqrt(np.mean(rel * rel, axis=-1, keepdims=True)), kd0 - kt)
    denom = np.sqrt(rms * rms + eps_t)
    z = dt / denom
    r = rms / denom
    return z, r[..., 0]


def _prepare(x, gain=None, bias=None, name: str = "x"):
    x = as_activations(x, name)
    n = x.shape[-1]
    g = as_parameter(gain, n, "gain", 1.0)
    b = as_parameter(bias, n, "bias", 0.0)
    given = [arr for arr, raw in ((g, gain), (b, bias)) if raw is not None]
    out = working_dtype(x, *given)
    comp = _compute_dtype(out)
    return x.astype(comp), g.astype(comp), b.astype(comp), out


def _finite(result: np.ndarray, what: str) -> np.ndarray:
    """Return ``result`` if it is finite, else raise ``ValueError`` saying ``what`` overflowed."""
    if not np.all(np.isfinite(result)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(result))[0])
        raise ValueError(f"{what} overflows {result.dtype} at index {idx}; scale it down")
    return result


def _projected(d: np.ndarray, k: np.ndarray, out) -> np.ndarray:
    with np.errstate(over="ignore"):
        p = np.ldexp(d, k).astype(out, copy=False)
    return _finite(p, "x (centred: x − mean(x))")


def _layer_norm(x, gain, bias, eps: float, name: str = "x") -> np.ndarray:
    """``layer_norm`` with errors that call the input ``name`` (for callers like dynamics)."""
    x, g, b, out = _prepare(x, gain, bias, name)
    d, k = _center(x)
    z, _ = _unit_scale(d, k, eps, "variance", name)
    with np.errstate(over="ignore"):
        y = (g * z + b).astype(out, copy=False)
    return _finite(y, "gain * (normalised " + name + ") + bias")


def layer_norm(x, gain=None, bias=None, eps: float = 1e-5) -> np.ndarray:
    r"""Return LayerNorm of ``x`` along its last axis (PyTorch semantics, biased variance).

    .. math::

        \mathrm{LN}(a) = g \odot \frac{a - \mu 1}{\sqrt{\sigma^2 + \varepsilon}} + b,
        \qquad \mu = \tfrac1N \textstyle\sum_n a_n,\quad
        \sigma^2 = \tfrac1N \textstyle\sum_n (a_n - \mu)^2 .

    Parameters
    ----------
    x : array_like, shape (..., N)
        Activations; the last axis holds the N neurons.
    gain : array_like, shape (N,), optional
        Per-neuron gain ``g`` (default 1).
    bias : array_like, shape (N,), optional
        Per-neuron bias ``b`` (default 0).
    eps : float, default 1e-5
        Variance floor ``ε >= 0``.

    Returns
    -------
    numpy.ndarray, shape (..., N)
        In the input's floating dtype (float64 for integer input).

    Raises
    ------
    ValueError
        Wrong shapes, non-finite values, ``eps < 0``, or zero variance with ``eps = 0``.
    TypeError
        Non-numeric or complex input.

    Examples
    --------
    >>> layer_norm([1.0, 2.0, 3.0], eps=0.0).round(6)
    array([-1.224745,  0.      ,  1.224745])
    """
    return _layer_norm(x, gain, bias, as_eps(eps))


def project(x) -> np.ndarray:
    r"""Return ``Πx = x - mean(x) 1``, the orthogonal projection onto the hyperplane ``⟂ 1``.

    .. math:: \Pi = I - \tfrac{1}{N} 1 1^\top, \qquad \Pi x = x - \mu(x) 1 .

    ``Π`` is symmetric and idempotent; ``|Πx|² = N σ²(x)``.

    Parameters
    ----------
    x : array_like, shape (..., N)

    Returns
    -------
    numpy.ndarray, shape (..., N)
        Sums to zero along the last axis (to round-off); exactly 0 for constant rows.

    Examples
    --------
    >>> project([1.0, 2.0, 6.0])
    array([-2., -1.,  3.])
    """
    x = as_activations(x)
    out = working_dtype(x)
    d, k = _center(x.astype(_compute_dtype(out)))
    with np.errstate(over="ignore"):
        p = np.ldexp(d, k).astype(out, copy=False)
    return _finite(p, "x (centred: x − mean(x))")


def scale(z, eps: float = 1e-5) -> np.ndarray:
    r"""Return the nonlinear radial scaling ``√N z / √(|z|² + Nε)``.

    .. math:: z \mapsto \sqrt{N}\,\frac{z}{\sqrt{|z|^2 + N\varepsilon}} .

    It keeps the direction of ``z`` and maps its length into ``[0, √N)``: onto the sphere
    of radius ``√N`` when ``ε = 0``, strictly inside it when ``ε > 0``. Applied to
    ``z = Πa`` it is the middle stage of LayerNorm.

    Parameters
    ----------
    z : array_like, shape (..., N)
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, shape (..., N)

    Raises
    ------
    ValueError
        ``z = 0`` with ``eps = 0`` (0/0), non-finite values, ``eps < 0``.

    Examples
    --------
    >>> scale([3.0, 4.0], eps=0.0)  # onto the circle of radius sqrt(2)
    array([0.84852814, 1.13137085])
    """
    eps = as_eps(eps)
    z = as_activations(z, "z")
    out = working_dtype(z)
    zc = z.astype(_compute_dtype(out))
    amax = np.max(np.abs(zc), axis=-1, keepdims=True)
    _, k = np.frexp(amax)
    u, _ = _unit_scale(np.ldexp(zc, -k), k, eps, "norm", "z")
    return u.astype(out, copy=False)


def affine(u, gain=None, bias=None) -> np.ndarray:
    r"""Return the affine map ``G u + b = g ⊙ u + b``, the last stage of LayerNorm.

    .. math:: u \mapsto G u + b, \qquad G = \mathrm{diag}(g).

    Parameters
    ----------
    u : array_like, shape (..., N)
    gain, bias : array_like, shape (N,), optional (defaults 1 and 0)

    Returns
    -------
    numpy.ndarray, shape (..., N)

    Examples
    --------
    >>> affine([1.0, -1.0], gain=[2.0, 3.0], bias=[0.5, 0.5])
    array([ 2.5, -2.5])
    """
    u, g, b, out = _prepare(u, gain, bias, "u")
    with np.errstate(over="ignore", invalid="ignore"):
        y = (g * u + b).astype(out, copy=False)
    return _finite(y, "gain * u + bias")


@dataclass(frozen=True)
class Decomposition:
    """The three stages of LayerNorm applied to one input (see :func:`decompose`).

    Attributes
    ----------
    input : numpy.ndarray
        ``a``.
    projected : numpy.ndarray
        ``Πa``, on the hyperplane ``⟂ 1``.
    scaled : numpy.ndarray
        ``√N Πa / √(|Πa|² + Nε)``, inside the sphere of radius ``√N``.
    output : numpy.ndarray
        ``G · scaled + b`` = ``LN(a)``.
    radial_fraction : numpy.ndarray
        ``|scaled| / √N = 1/√(1 + ε/σ²)``, shape ``(...)``.
    """

    input: np.ndarray
    projected: np.ndarray
    scaled: np.ndarray
    output: np.ndarray
    radial_fraction: np.ndarray


def decompose(x, gain=None, bias=None, eps: float = 1e-5) -> Decomposition:
    r"""Return every stage of ``LN(x)``: the projection, the scaling and the affine map.

    .. math::

        a \;\xrightarrow{\;\Pi\;}\; \Pi a \;\xrightarrow{\text{scale}}\;
        \sqrt N \frac{\Pi a}{\sqrt{|\Pi a|^2 + N\varepsilon}}
        \;\xrightarrow{\;G\,\cdot\,+\,b\;}\; \mathrm{LN}(a).

    Parameters
    ----------
    x : array_like, shape (..., N)
    gain, bias : array_like, shape (N,), optional
    eps : float, default 1e-5

    Returns
    -------
    Decomposition
        With ``.input``, ``.projected``, ``.scaled``, ``.output``, ``.radial_fraction``.

    Examples
    --------
    >>> parts = decompose([1.0, 2.0, 6.0], gain=[1.0, 2.0, 0.5], eps=0.0)
    >>> float(parts.projected.sum()), float((parts.scaled ** 2).sum())
    (0.0, 3.0)
    """
    eps = as_eps(eps)
    x, g, b, out = _prepare(x, gain, bias)
    d, k = _center(x)
    z, r = _unit_scale(d, k, eps, "variance")
    with np.errstate(over="ignore"):
        y = (g * z + b).astype(out, copy=False)
    return Decomposition(
        input=x.astype(out, copy=False),
        projected=_projected(d, k, out),
        scaled=z.astype(out, copy=False),
        output=_finite(y, "gain * (normalised x) + bias"),
        radial_fraction=r.astype(out, copy=False),
    )


def radial_fraction(x, eps: float = 1e-5) -> np.ndarray:
    r"""Return how far out ``LN(x)`` sits in its ellipsoid: ``r = √(σ²/(σ² + ε))``.

    .. math::

        \sum_n \Big(\frac{(y - b)_n}{g_n}\Big)^2 = N r^2, \qquad
        r = \frac{1}{\sqrt{1 + \varepsilon/\sigma^2}} \in [0, 1].

    It depends on the variance of ``x`` only, not on its mean, gain or bias.

    Parameters
    ----------
    x : array_like, shape (..., N)
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, shape (...)
        0 for constant rows when ``eps > 0``; 1 when ``eps = 0``.

    Raises
    ------
    ValueError
        Zero variance with ``eps = 0`` (0/0), and the usual input errors.

    Examples
    --------
    >>> float(radial_fraction([1.0, -1.0], eps=1.0))  # sigma^2 = 1 = eps
    0.7071067811865475
    """
    eps = as_eps(eps)
    x = as_activations(x)
    out = working_dtype(x)
    d, k = _center(x.astype(_compute_dtype(out)))
    _, r = _unit_scale(d, k, eps, "variance")
    return r.astype(out, copy=False)


def rms_norm(x, gain=None, bias=None, eps: float = 1e-5) -> np.ndarray:
    r"""Return RMSNorm of ``x``: LayerNorm without the projection.

    .. math:: \mathrm{RMS}(a) = g \odot \frac{a}{\sqrt{\tfrac1N \sum_n a_n^2 + \varepsilon}} + b .

    Its outputs fill an N-dimensional ellipsoid (no hyperplane), near its surface.

    Parameters
    ----------
    x : array_like, shape (..., N)
    gain, bias : array_like, shape (N,), optional
    eps : float, default 1e-5

    Returns
    -------
    numpy.ndarray, shape (..., N)

    Raises
    ------
    ValueError
        ``x = 0`` with ``eps = 0``, and the usual input errors.

    Examples
    --------
    >>> rms_norm([3.0, -4.0], eps=0.0).round(6)
    array([ 0.848528, -1.131371])
    """
    eps = as_eps(eps)
    x, g, b, out = _prepare(x, gain, bias)
    amax = np.max(np.abs(x), axis=-1, keepdims=True)
    _, k = np.frexp(amax)
    z, _ = _unit_scale(np.ldexp(x, -k), k, eps, "mean square")
    with np.errstate(over="ignore"):
        y = (g * z + b).astype(out, copy=False)
    return _finite(y, "gain * (normalised x) + bias")
