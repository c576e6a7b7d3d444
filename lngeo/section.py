r"""The output set as a central section of an ellipsoid: the identities chapter 5 proves.

LayerNorm's outputs fill the section of the N-dimensional ellipsoid
``Σ_n ((y − b)_n / g_n)² ≤ N`` by the hyperplane ``α·(y − b) = 0`` through its centre
(``α_n = 1/g_n``). Chapter 5 proves the facts below; each function here computes one of
them by its own formula, so that the tests can hold it against an independent route
(``numpy.linalg.pinv``, ``det``, ``eigvalsh``, mpmath):

* :func:`paper_matrix` — the paper's ``Π₂G⁻²Π₂`` is the pseudo-inverse of ``M = GΠG``;
* :func:`characteristic_polynomial` and :func:`secular_function` — the matrix determinant
  lemma: ``det(M − μI) = −(μ/N) Σ_n Π_{m≠n} (g_m² − μ)``;
* :func:`three_neuron_semi_axes` — the secular equation solved by hand for ``N = 3``;
* :func:`central_section` — the semi-axes of *any* central section of an ellipsoid, which
  interlace the ellipsoid's own (Cauchy interlacing);
* :func:`axis_ratio_bounds` — all that interlacing says about ``s_max / s_min``;
* :func:`semi_axes_product` — the volume identity ``Π_k s_k = N^{N/2−1} Π_n |g_n| |α|``.

Everything in this module beyond the paper's ``Π₂G⁻²Π₂`` extends
Riechers (2024) with standard linear algebra (Golub 1973; Horn & Johnson 2013).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_choice, as_flag, as_gain, require_hyperplane, finite_result

__all__ = [
    "paper_matrix",
    "secular_function",
    "characteristic_polynomial",
    "three_neuron_semi_axes",
    "central_section",
    "axis_ratio_bounds",
    "semi_axes_product",
]


def _gain(gain, name: str = "gain") -> np.ndarray:
    g = as_gain(gain, name).astype(np.float64)
    require_hyperplane(g.size, name)
    return g


def _mu(mu) -> np.ndarray:
    m = as_gain(np.atleast_1d(mu), "mu") if np.ndim(mu) <= 1 else None
    if m is None:
        raise ValueError(f"mu must be a number or a vector of numbers, got shape {np.shape(mu)}")
    return m.astype(np.float64)


def _shape_like(values: np.ndarray, mu):
    return values if np.ndim(mu) else values[0]


# --------------------------------------------------------------------------- pinv relation
@finite_result()
def paper_matrix(gain) -> np.ndarray:
    r"""Return the paper's matrix ``Π₂ G⁻² Π₂``, which equals ``pinv(M)`` for ``M = GΠG``.

    .. math::

        P = \Pi_2\, G^{-2}\, \Pi_2, \qquad \Pi_2 = I - \frac{\alpha\alpha^\top}{|\alpha|^2},
        \quad \alpha_n = \frac1{g_n}, \qquad P = M^+ \ \text{(Moore–Penrose)},

    so ``P`` and ``M`` share their eigenvectors, with eigenvalues ``λ_k = 1/μ_k`` and the
    same semi-axes ``√(N/λ_k) = √(N μ_k)`` (chapter 5, Proposition 3). Built from its own
    definition here (``Π₂`` from ``α``, then ``G⁻²``), not from ``M``.

    Parameters
    ----------
    gain : array_like, shape (N,)
        Gain ``g``, ``N >= 2``, every entry nonzero (``P`` needs ``G⁻¹``).

    Returns
    -------
    numpy.ndarray, shape (N, N)
        Symmetric, positive semi-definite, ``P α = 0``.

    Raises
    ------
    ValueError
        ``N < 2``, wrong shape, non-finite or zero gains.

    Examples
    --------
    >>> P = paper_matrix([1.0, 2.0])
    >>> P.round(6)
    array([[ 0.08, -0.16],
           [-0.16,  0.32]])
    >>> bool(np.allclose(P, np.linalg.pinv(np.array([[0.5, -1.0], [-1.0, 2.0]]))))
    True
    """
    g = _gain(gain)
    zeros = np.flatnonzero(g == 0)
    if zeros.size:
        raise ValueError(
            f"paper_matrix needs every gain nonzero (it inverts G), but gain[{zeros[0]}] = 0; "
            "the inverse-free M = lngeo.m_matrix(gain) needs no inverse"
        )
    amin = np.min(np.abs(g))
    alpha = amin / g  # ∝ 1/g, entries in [-1, 1]
    alpha /= np.linalg.norm(alpha)
    p2 = np.eye(g.size) - np.outer(alpha, alpha)
    p = (p2 / (g * g)[None, :]) @ p2
    return 0.5 * (p + p.T)


# --------------------------------------------------------------------------- secular equation
@finite_result()
def secular_function(gain, mu):
    r"""Return the secular function ``φ(μ) = Σ_n 1/(g_n² − μ)``.

    .. math:: \varphi(\mu) = \sum_{n=1}^N \frac{1}{g_n^2 - \mu},
              \qquad \det(M - \mu I) = -\frac{\mu}{N}\,\det(G^2 - \mu I)\,\varphi(\mu),

    so every nonzero eigenvalue ``μ_k = s_k²/N`` of ``M`` that equals no ``g_n²`` is a root
    of ``φ``; ``φ`` increases strictly between consecutive distinct ``g_n²`` (one root in
    each gap).

    Parameters
    ----------
    gain : array_like, shape (N,)
    mu : float or array_like, shape (K,)
        Where to evaluate; no ``mu`` may equal a ``g_n²`` (a pole).

    Returns
    -------
    float or numpy.ndarray, shape (K,)

    Raises
    ------
    ValueError
        Bad ``gain``; ``mu`` not finite, of more than one axis, or on a pole.

    Examples
    --------
    >>> float(secular_function([1.0, 2.0, 3.0], 7.0))  # 1/(1−7) + 1/(4−7) + 1/(9−7)
    0.0
    """
    g = _gain(gain)
    m = _mu(mu)
    d = g * g
    on_pole = np.isin(m, d)
    if np.any(on_pole):
        raise ValueError(
            f"mu = {m[on_pole][0]!r} equals a squared gain g_n², a pole of the secular function; "
            "use characteristic_polynomial(gain, mu), which has no poles"
        )
    phi = np.sum(1.0 / (d[None, :] - m[:, None]), axis=1)
    return _shape_like(phi, mu)


@finite_result()
def characteristic_polynomial(gain, mu, form: str = "product"):
    r"""Return ``det(M − μI)`` for ``M = G² − g gᵀ/N`` by the matrix determinant lemma.

    .. math::

        \det(M - \mu I)
        = \det(G^2 - \mu I)\Big(1 - \frac1N \sum_n \frac{g_n^2}{g_n^2 - \mu}\Big)
        = -\frac{\mu}{N} \sum_{n=1}^N \prod_{m \ne n} (g_m^2 - \mu) .

    ``form="lemma"`` evaluates the middle expression (undefined on the poles
    ``μ = g_n²``); ``form="product"`` (default) the right one, a polynomial valid for every
    ``μ``, in ``O(N)`` per ``μ`` with prefix and suffix products. Neither forms ``M``.

    Parameters
    ----------
    gain : array_like, shape (N,)
    mu : float or array_like, shape (K,)
    form : str, default "product"
        ``"product"`` or ``"lemma"`` (see above).

    Returns
    -------
    float or numpy.ndarray, shape (K,)

    Raises
    ------
    ValueError
        Bad ``gain`` or ``mu``, an unknown ``form``, or ``form="lemma"`` on a pole.

    Examples
    --------
    >>> g = [1.0, 2.0, 3.0]
    >>> round(float(characteristic_polynomial(g, 3.0)), 12)  # −(3/3)(1·6 − 2·6 − 2·1)
    8.0
    >>> round(float(characteristic_polynomial(g, 3.0, form="lemma")), 12)
    8.0
    """
    form = as_choice(form, "form", ("product", "lemma"))
    g = _gain(gain)
    m = _mu(mu)
    n = g.size
    d = g * g
    if form == "lemma":
        on_pole = np.isin(m, d)
        if np.any(on_pole):
            raise ValueError(
                f"mu = {m[on_pole][0]!r} equals a squared gain g_n²: the determinant-lemma form "
                "divides by g_n² − mu there; use form='product'"
            )
        diff = d[None, :] - m[:, None]
        bracket = 1.0 - np.sum(d[None, :] / diff, axis=1) / n
        return _shape_like(np.prod(diff, axis=1) * bracket, mu)
    diff = d[None, :] - m[:, None]  # (K, N)
    ones = np.ones((m.size, 1))
    left = np.cumprod(np.concatenate([ones, diff[:, :-1]], axis=1), axis=1)
    right = np.cumprod(np.concatenate([ones, diff[:, :0:-1]], axis=1), axis=1)[:, ::-1]
    q = np.sum(left * right, axis=1)  # Σ_n Π_{m≠n} (d_m − μ)
    return _shape_like(-m / n * q, mu)


@finite_result()
def three_neuron_semi_axes(gain) -> np.ndarray:
    r"""Return the two semi-axes for ``N = 3`` from the quadratic secular equation, by hand.

    For ``N = 3``, ``Σ_n Π_{m≠n} (d_m − μ) = 3μ² − 2e₁μ + e₂`` with ``d_n = g_n²``,
    ``e₁ = Σ_n d_n = |g|²`` and ``e₂ = d₁d₂ + d₁d₃ + d₂d₃``, so ``μ = (e₁ ± √(e₁² − 3e₂))/3``
    and

    .. math:: s_\pm = \sqrt{3\mu_\pm} = \sqrt{e_1 \pm \sqrt{e_1^2 - 3 e_2}} .

    Parameters
    ----------
    gain : array_like, shape (N,)
        A gain of ``N = 3`` neurons.

    Returns
    -------
    numpy.ndarray, shape (2,)
        ``(s_+, s_−)``, descending.

    Raises
    ------
    ValueError
        ``gain`` not of shape (3,), or not finite.

    Examples
    --------
    >>> three_neuron_semi_axes([1.6, 1.0, 0.6]).round(4)
    array([2.4249, 1.4   ])
    """
    g = _gain(gain)
    if g.size != 3:
        raise ValueError(f"gain must have shape (N,) = (3,) for the N = 3 formula, got {g.shape}")
    d = g * g
    e1 = d.sum()
    e2 = d[0] * d[1] + d[0] * d[2] + d[1] * d[2]
    root = np.sqrt(max(e1 * e1 - 3.0 * e2, 0.0))  # e₁² − 3e₂ = ½Σ_{i<j}(d_i − d_j)² ≥ 0
    return np.sqrt([e1 + root, max(e1 - root, 0.0)])


# --------------------------------------------------------------------------- any central section
@finite_result()
def central_section(radii, normal) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(semi_axes, axes)`` of the section of an ellipsoid by a hyperplane through its centre.

    The ellipsoid ``E = {D w : |w| ≤ 1}``, ``D = diag(radii)``, has semi-axes ``radii``
    along the coordinate axes; the hyperplane is ``normal⊥``. Since ``normal·(Dw) = (D
    normal)·w``, the section is the image under ``D`` of the unit ball of ``m⊥``,
    ``m = D normal``, so (inverse-free, zero radii allowed)

    .. math::

        E \cap \mathrm{normal}^\perp = \Big\{ \sum_k c_k \sigma_k u_k : |c| \le 1 \Big\},
        \qquad D\,\Pi_m D\, u_k = \sigma_k^2 u_k ,

    with ``Π_m = I − m mᵀ/|m|²`` (``Π_m = I`` if ``m = 0``), keeping the ``N − 1`` largest
    eigenvalues. Cauchy interlacing: with both sorted ascending,
    ``radii_(k) ≤ σ_(k) ≤ radii_(k+1)``. For LayerNorm, ``radii = √N|g|`` and
    ``normal = α`` give ``M``'s semi-axes, since ``D Π_m D = N M`` there.

    Parameters
    ----------
    radii : array_like, shape (N,)
        Semi-axes of the N-dimensional ellipsoid, ``>= 0``.
    normal : array_like, shape (N,)
        Normal of the hyperplane, not zero.

    Returns
    -------
    semi_axes : numpy.ndarray, shape (N-1,)
        Descending.
    axes : numpy.ndarray, shape (N-1, N)
        Orthonormal rows, inside ``normal⊥`` wherever the semi-axis is positive.

    Raises
    ------
    ValueError
        Wrong shapes, non-finite values, a negative radius, a zero normal, ``N < 2``.

    Examples
    --------
    >>> s, u = central_section([1.0, 2.0, 3.0], [0.0, 0.0, 1.0])  # the x-y cross-section
    >>> s.round(12)
    array([2., 1.])
    """
    a = _gain(radii, "radii")
    nrm = as_gain(normal, "normal").astype(np.float64)
    if nrm.shape != a.shape:
        raise ValueError(f"normal must have shape (N,) = ({a.size},), got {nrm.shape}")
    if np.any(a < 0):
        raise ValueError(f"radii must be >= 0, but radii[{int(np.flatnonzero(a < 0)[0])}] < 0")
    if not np.any(nrm):
        raise ValueError("normal must not be the zero vector")
    # the section is scale-free in the normal, and scales with the radii: work at unit scale
    nrm = nrm / np.max(np.abs(nrm))
    top = float(np.max(a))
    e = int(np.frexp(top)[1]) if top > 0 else 0
    a = np.ldexp(a, -e)
    m = a * nrm
    c = np.diag(a * a)
    if np.any(m):
        m = m / np.linalg.norm(m)
        c = c - np.outer(a * m, a * m)
        c = 0.5 * (c + c.T)
    lam, v = np.linalg.eigh(c)
    lam, v = lam[:0:-1], v[:, :0:-1]
    return np.ldexp(np.sqrt(np.clip(lam, 0.0, None)), e), v.T.copy()


# --------------------------------------------------------------------------- ratio and volume
@finite_result()
def axis_ratio_bounds(gain) -> tuple[float, float]:
    r"""Return the interlacing bounds on ``s_max / s_min``: ``(|g|_(N−1)/|g|_(2), |g|_(N)/|g|_(1))``.

    With ``|g|`` sorted ascending, interlacing pins ``s_max`` in
    ``[√N|g|_(N−1), √N|g|_(N)]`` and ``s_min`` in ``[√N|g|_(1), √N|g|_(2)]``, so

    .. math::

        \frac{|g|_{(N-1)}}{|g|_{(2)}} \;\le\; \frac{s_{\max}}{s_{\min}}
        \;\le\; \frac{|g|_{(N)}}{|g|_{(1)}} ,

    and no more: ``g = (0.01, 1, 1)`` has gain ratio 100 but axis ratio about 1.73 (``→ √3`` as
    ``g₁ → 0``). A zero
    denominator gives ``inf`` (two or more zero gains make ``s_min = 0``).

    Parameters
    ----------
    gain : array_like, shape (N,)
        ``N >= 2``, not all zero.

    Returns
    -------
    lower, upper : float

    Raises
    ------
    ValueError
        Bad ``gain``, or every gain zero (the set is the point ``b``).

    Examples
    --------
    >>> axis_ratio_bounds([0.01, 1.0, 1.0])
    (1.0, 100.0)
    """
    g = _gain(gain)
    a = np.sort(np.abs(g))
    if a[-1] == 0:
        raise ValueError("every gain is zero: the output set is the single point b, it has no axes")
    n = a.size

    def ratio(num, den):
        return float("inf") if den == 0 else float(num / den)

    if a[1] == 0:  # two or more zero gains: s_min = 0
        return float("inf"), float("inf")
    return ratio(a[n - 2], a[1]), ratio(a[n - 1], a[0])


@finite_result()
def semi_axes_product(gain, log: bool = False) -> float:
    r"""Return ``Π_k s_k``, the product of the semi-axes (the volume identity).

    .. math::

        \prod_{k=1}^{N-1} s_k = N^{N/2-1} \sqrt{\sum_n \prod_{m\ne n} g_m^2}
        = N^{N/2-1}\, \prod_n |g_n|\; |\alpha| \quad (\text{all } g_n \ne 0),

    so the output set's (N−1)-volume is ``ω_{N−1} Π_k s_k`` (``ω_{N−1}`` the volume of
    the unit ball of ``R^{N−1}``). One zero gain ``g_j`` leaves ``N^{N/2−1} Π_{m≠j}|g_m|``;
    two or more give 0. Evaluated in logarithms (no overflow at ``N = 12288``).

    Parameters
    ----------
    gain : array_like, shape (N,)
    log : bool, default False
        Return ``log Π_k s_k`` instead (a ``ValueError`` when the product is 0: its log
        ``-inf`` is not a finite result).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Bad ``gain``.

    Examples
    --------
    >>> round(semi_axes_product([1.6, 1.0, 0.6]), 10)  # √5.88 × 1.4
    3.3948195828
    """
    log = as_flag(log, "log")
    g = _gain(gain)
    n = g.size
    a = np.abs(g)
    zeros = np.flatnonzero(a == 0)
    if zeros.size >= 2:
        value = -np.inf
    else:
        base = (n / 2 - 1) * np.log(n)
        if zeros.size == 1:
            value = base + np.sum(np.log(np.delete(a, zeros)))
        else:
            amin = a.min()
            alpha_norm = np.linalg.norm(amin / a) / amin  # |α| without overflow
            value = base + np.sum(np.log(a)) + np.log(alpha_norm)
    value = float(value)
    return value if log else float(np.exp(value))
