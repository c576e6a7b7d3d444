r"""The hyperplane's normal ``α ∝ 1/g``: how far it tilts from ``1``, and why outputs never move along it.

Every output of ``LN(a) = √N G Πa / √(|Πa|² + Nε) + b`` satisfies ``α·(y − b) = 0`` with
``α_n = 1/g_n`` (MATH.md §2). Two consequences, computed here:

* **The tilt in closed form.** With ``cos θ = |Σ_n α_n| / (√N |α|)`` (chapter 7's eq-tilt),
  ``Σ α_n = N·mean(α)`` and ``|α|² = N·(mean(α)² + std(α)²)`` (population std), so

  .. math:: \tan\theta = \frac{\operatorname{std}(1/g)}{|\operatorname{mean}(1/g)|},

  the coefficient of variation of the inverse gains: :func:`tilt_from_inverse_gains`.
* **A dead direction.** Since ``α·(y − b) = 0`` for *every* output, ``α·(y − ȳ) = 0`` for the
  outputs of any set of inputs, so ``α`` is in the null space of their centred covariance
  ``C = (1/m) Σ (y − ȳ)(y − ȳ)ᵀ``, whatever the input distribution (arXiv:2606.19491 calls
  it a "dead direction"): :func:`output_covariance`, :func:`dead_direction`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import as_activations, as_eps, as_gain, require_hyperplane, finite_result
from .geometry import hyperplane_normal

__all__ = ["tilt_from_inverse_gains", "output_covariance", "DeadDirection", "dead_direction"]


@finite_result()
def tilt_from_inverse_gains(gain) -> float:
    r"""Return the tilt θ (degrees) of the output hyperplane's normal from ``1``, in closed form.

    .. math::

        \tan\theta = \frac{\operatorname{std}(\alpha)}{|\operatorname{mean}(\alpha)|},
        \qquad \alpha_n = 1/g_n ,

    with the population standard deviation (``ddof=0``): from
    ``cos θ = |Σα_n|/(√N|α|) = |mean α| / √(mean(α)² + std(α)²)``. Evaluated as
    ``atan2(std, |mean|)`` of ``α`` rescaled by ``min|g|`` (no overflow for a gain of
    1e-300; ``θ = 90°`` when ``mean(1/g) = 0``).

    Parameters
    ----------
    gain : array_like, shape (N,)
        Nonzero gains, ``N ≥ 2``.

    Returns
    -------
    float
        θ in degrees, in ``[0, 90]``.

    Raises
    ------
    ValueError
        A zero gain (``1/g`` is undefined: use :func:`lngeo.model_geometry.tilt_angle`,
        which follows the normal space), non-finite gains, or ``N < 2``.

    Examples
    --------
    >>> tilt_from_inverse_gains([2.0, 2.0, 2.0])       # equal gains: the plane is 1⟂
    0.0
    >>> round(tilt_from_inverse_gains([1.0, 1.0, 1e-12]), 3)   # α nearly e_3
    54.736
    """
    g = as_gain(gain).astype(float)
    require_hyperplane(g.size)
    if np.any(g == 0):
        raise ValueError("gain has a zero entry, so 1/g is undefined; the normal space of "
                         "lngeo.normal_space(gain) (and model_geometry.tilt_angle) handles it")
    alpha = np.abs(g).min() / g  # ∝ 1/g, largest entry of size 1
    return math.degrees(math.atan2(float(np.std(alpha)), abs(float(np.mean(alpha)))))


@finite_result()
def output_covariance(y) -> np.ndarray:
    r"""Return the centred covariance of outputs ``y`` (rows), ``C = (1/m) Σ_i (y_i − ȳ)(y_i − ȳ)ᵀ``.

    Parameters
    ----------
    y : array_like, shape (m, N)
        ``m ≥ 2`` outputs, one per row.

    Returns
    -------
    numpy.ndarray, shape (N, N)
        Symmetric, positive semi-definite (population normalisation ``1/m``).

    Raises
    ------
    ValueError
        Not a 2-D array with at least two rows, or non-finite entries.

    Examples
    --------
    >>> output_covariance([[1.0, 0.0], [-1.0, 0.0]])
    array([[1., 0.],
           [0., 0.]])
    """
    a = as_activations(y, "y").astype(float)
    if a.ndim != 2 or a.shape[0] < 2:
        raise ValueError(f"y must have shape (m, N) with m >= 2 rows, got {a.shape}")
    c = a - a.mean(axis=0)
    cov = c.T @ c / a.shape[0]
    return (cov + cov.T) / 2


@dataclass(frozen=True)
class DeadDirection:
    r"""How the outputs of one LayerNorm vary along its hyperplane normal ``α̂ = α/|α|``.

    Attributes
    ----------
    variance_along_normal : float
        ``α̂ᵀCα̂ / λ_max``: the variance of the outputs along ``α̂``, relative to the largest
        (0 in exact arithmetic).
    smallest, second : float
        The two smallest eigenvalues of ``C`` (``numpy.linalg.eigh``), relative to ``λ_max``.
    angle_deg : float
        Angle between ``α̂`` and the eigenvector of the smallest eigenvalue (as lines).
    near_null : int
        How many eigenvalues are ``≤ tol·λ_max``: 1 when ``α̂`` is the only dead direction;
        more when near-zero gains pin further coordinates (then the eigenvector of the
        smallest eigenvalue is some mix of them, and ``angle_deg`` says nothing).
    outside_near_null : float
        ``|α̂ − PᵀPα̂|`` for the orthonormal near-null eigenvectors ``P``: how far ``α̂`` is
        from their span (0 when it lies in it).
    """

    variance_along_normal: float
    smallest: float
    second: float
    angle_deg: float
    near_null: int
    outside_near_null: float


@finite_result()
def dead_direction(y, gain, tol: float = 1e-12) -> DeadDirection:
    r"""Return :class:`DeadDirection`: is the normal ``α ∝ 1/g`` a zero-variance direction of outputs ``y``?

    .. math::

        \alpha\cdot(y_i - b) = 0 \ \ \forall i \quad\Longrightarrow\quad
        C\alpha = \frac1m \sum_i (y_i - \bar y)\,\big(\alpha\cdot(y_i - \bar y)\big) = 0 ,

    for any inputs: ``α`` is an exact null vector of the centred output covariance ``C``.
    This function measures it two ways: the Rayleigh quotient ``α̂ᵀCα̂`` and the eigenvector
    of ``C``'s smallest eigenvalue from ``eigh``, compared with ``α̂`` (angle from ``atan2``,
    accurate near 0).

    Parameters
    ----------
    y : array_like, shape (m, N)
        Outputs of one LayerNorm with this ``gain`` (any bias, any inputs), ``m ≥ 2``.
    gain : array_like, shape (N,)
        The LayerNorm's gain; ``α̂`` is :func:`lngeo.hyperplane_normal` (``e_j`` for one zero
        gain).
    tol : float, default 1e-12
        An eigenvalue ``≤ tol·λ_max`` counts as near-null.

    Returns
    -------
    DeadDirection

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite values, fewer than two rows, or two or more
        exactly-zero gains (the normal is then a space, see :func:`lngeo.normal_space`).

    Examples
    --------
    >>> from lngeo import layer_norm
    >>> rng = np.random.default_rng(0)
    >>> g = rng.lognormal(0, 0.3, 8)
    >>> d = dead_direction(layer_norm(rng.normal(size=(200, 8)), g, eps=1e-5), g)
    >>> d.variance_along_normal < 1e-15, d.angle_deg < 1e-6, d.near_null
    (True, True, 1)
    """
    tol = as_eps(tol, "tol")
    cov = output_covariance(y)
    n = cov.shape[0]
    g = as_gain(gain).astype(float)
    if g.size != n:
        raise ValueError(f"gain must have shape (N,) = ({n},), got {g.shape}")
    a = hyperplane_normal(g)
    w, v = np.linalg.eigh(cov)
    top = float(w[-1]) if w[-1] > 0 else 1.0
    first = v[:, 0]
    along = abs(float(first @ a))
    angle = math.degrees(math.atan2(float(np.linalg.norm(a - (first @ a) * first)), along))
    null = v[:, w <= tol * top]
    outside = float(np.linalg.norm(a - null @ (null.T @ a))) if null.size else 1.0
    return DeadDirection(
        variance_along_normal=float(a @ cov @ a) / top,
        smallest=float(w[0]) / top,
        second=float(w[1]) / top if n > 1 else math.nan,
        angle_deg=angle,
        near_null=int(null.shape[1]),
        outside_near_null=outside,
    )
