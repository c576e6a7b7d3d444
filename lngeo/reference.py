r"""A slow, independent, extended-precision reference for the output ellipsoid's semi-axes.

Used by chapter 5 to measure how many digits each route to the principal axes keeps. It
shares no code with :mod:`lngeo.secular`: plain bisection of the factored secular equation
(MATH.md §5), in ``numpy.longdouble`` (80-bit on x86-64 Linux, 64 bits of mantissa).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_choice, as_count, as_gain, require_hyperplane, finite_result

__all__ = ["reference_semi_axes", "reference_axes", "route_errors", "eigvalsh_speedup", "eigvalsh_speedups"]


@finite_result()
def reference_semi_axes(gain, max_iter: int = 400) -> np.ndarray:
    r"""Return the ``N − 1`` semi-axes, descending, by bisection in long double.

    With ``d`` the sorted ``g_n²`` (distinct and nonzero), the nonzero eigenvalues ``μ`` of
    ``M = G² − g gᵀ/N`` are the roots of

    .. math:: \varphi(\mu) = \sum_n \frac{1}{d_n - \mu} = 0 ,

    one in each gap ``(d_k, d_{k+1})``; ``φ`` increases from ``−∞`` to ``+∞`` across a
    gap, so bisection on its sign converges. It stops when the midpoint equals an end
    (full long-double resolution). Semi-axes are ``s_k = √(N μ_k)``.

    Parameters
    ----------
    gain : array_like, shape (N,)
        Distinct, nonzero ``|g_n|`` (this reference does not deflate).
    max_iter : int, default 400
        Bisection steps at most.

    Returns
    -------
    numpy.ndarray of numpy.longdouble, shape (N-1,)

    Raises
    ------
    ValueError
        ``N < 2``, a zero gain, or repeated ``|g_n|``.

    Examples
    --------
    >>> reference_semi_axes([1.0, 2.0, 3.0]).astype(float).round(6)
    array([4.582576, 2.645751])
    """
    max_iter = as_count(max_iter, "max_iter", high=100_000)
    g = as_gain(gain).astype(np.float64)
    require_hyperplane(g.size)
    d = np.sort(g.astype(np.longdouble) ** 2)
    if np.any(d == 0):
        raise ValueError("gain has a zero entry; reference_semi_axes needs nonzero gains (it does not deflate)")
    if np.any(np.diff(d) == 0):
        raise ValueError("gain has repeated |g_n|; reference_semi_axes needs distinct |g_n| (it does not deflate)")
    lo, hi = d[:-1].copy(), d[1:].copy()
    for _ in range(max_iter):
        mid = lo + (hi - lo) / 2
        done = (mid == lo) | (mid == hi)
        if np.all(done):
            break
        phi = np.sum(1.0 / (d[None, :] - mid[:, None]), axis=1)
        right = phi > 0  # φ increasing: positive means the root is left of mid
        hi = np.where(right & ~done, mid, hi)
        lo = np.where(~right & ~done, mid, lo)
    mu = lo + (hi - lo) / 2
    return np.sqrt(np.longdouble(g.size) * mu)[::-1]


@finite_result()
def reference_axes(gain) -> tuple[np.ndarray, np.ndarray]:
    r"""Return ``(semi_axes, axes)`` in long double: :func:`reference_semi_axes` and their directions.

    .. math:: u_k \propto (G^2 - \mu_k I)^{-1} g, \qquad \mu_k = s_k^2 / N ,

    normalised, each with its largest-magnitude component positive (as in
    :func:`lngeo.geometry.principal_axes`).

    Parameters
    ----------
    gain : array_like, shape (N,)
        Distinct, nonzero ``|g_n|``.

    Returns
    -------
    semi_axes : numpy.ndarray, shape (N-1,)
    axes : numpy.ndarray, shape (N-1, N)

    Examples
    --------
    >>> s, u = reference_axes([1.0, 2.0, 3.0])
    >>> bool(abs(u.astype(float) @ [1.0, 1/2, 1/3]).max() < 1e-15)
    True
    """
    s = reference_semi_axes(gain)
    g = np.asarray(gain, dtype=np.float64).astype(np.longdouble)
    mu = s * s / np.longdouble(g.size)
    u = g[None, :] / (g[None, :] ** 2 - mu[:, None])
    u /= np.sqrt(np.sum(u * u, axis=1))[:, None]
    big = np.take_along_axis(u, np.argmax(np.abs(u), axis=1)[:, None], axis=1)
    return s, u * np.sign(big)


@finite_result()
def route_errors(gain, methods=("paper", "eigh", "svd", "secular")) -> dict[str, tuple[float, float]]:
    r"""Return ``{method: (semi-axis error, direction error)}`` of :func:`lngeo.geometry.principal_axes`.

    .. math::

        e_s = \max_k \frac{|s_k - s_k^{\mathrm{ref}}|}{s_k^{\mathrm{ref}}}, \qquad
        e_u = \max_k \min_\pm |u_k \mp u_k^{\mathrm{ref}}| ,

    against :func:`reference_axes`.

    Parameters
    ----------
    gain : array_like, shape (N,)
        Distinct, nonzero ``|g_n|``.
    methods : tuple of str
        Methods of :func:`lngeo.geometry.principal_axes` to compare.

    Returns
    -------
    dict of str to (float, float)

    Examples
    --------
    >>> err = route_errors([1.0, 2.0, 3.0])
    >>> bool(max(max(e) for e in err.values()) < 1e-14)
    True
    """
    from .geometry import principal_axes

    s_ref, u_ref = reference_axes(gain)
    out = {}
    if isinstance(methods, str) or not isinstance(methods, (tuple, list)):
        raise TypeError(f"methods must be a tuple of method names, got {type(methods).__name__}")
    for i, method in enumerate(methods):
        as_choice(method, f"methods[{i}]", ("paper", "eigh", "svd", "secular"))
    for method in methods:
        s, u = principal_axes(gain, method=method)
        s, u = s.astype(np.longdouble), u.astype(np.longdouble)
        e_s = np.max(np.abs(s - s_ref) / s_ref)
        diff = np.minimum(np.linalg.norm(u - u_ref, axis=1), np.linalg.norm(u + u_ref, axis=1))
        out[method] = (float(e_s), float(np.max(diff)))
    return out


@finite_result()
def eigvalsh_speedup(gain, repeat: int = 3) -> tuple[float, float]:
    r"""Return ``(speed-up, disagreement)`` of :func:`lngeo.geometry.semi_axes` over dense ``eigvalsh``.

    The dense route diagonalises :func:`lngeo.geometry.m_matrix` (``O(N³)``); the fast one
    solves the secular equation (``O(N²)``). Each is timed ``repeat`` times in this process and
    the best times are compared, so the ratio, not the seconds, is what carries over between
    machines. The disagreement is

    .. math:: \max_k \Big|\frac{\sqrt{N \mu_k}}{s_k} - 1\Big| .

    Parameters
    ----------
    gain : array_like, shape (N,)
    repeat : int, default 3

    Returns
    -------
    speedup : float
        Best dense time divided by best fast time.
    disagreement : float
        Largest relative difference of the semi-axes.

    Examples
    --------
    >>> ratio, diff = eigvalsh_speedup(np.linspace(0.5, 2.0, 64), repeat=1)
    >>> ratio > 0, diff < 1e-12
    (True, True)
    """
    repeat = as_count(repeat, "repeat", low=1, high=100)
    import time

    from .geometry import m_matrix, semi_axes

    g = np.asarray(gain, dtype=float)
    m = m_matrix(g)

    def best(f):
        times, out = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = f()
            times.append(time.perf_counter() - t0)
        return min(times), out

    t_fast, s = best(lambda: semi_axes(g))
    t_dense, mu = best(lambda: np.linalg.eigvalsh(m))
    dense = np.sqrt(g.size * np.clip(mu[:0:-1], 0.0, None))
    return t_dense / t_fast, float(np.max(np.abs(dense / s - 1.0)))


#: Widths a live reader's chapter 5 times (BERT-base/GPT-2 and GPT-2 medium; about a second in all); the full comparison,
#: up to N = 4096, is ``python benchmarks/eigvalsh.py``.
LIVE_SIZES = (768, 1024)


def eigvalsh_speedups(sizes=LIVE_SIZES, repeat: int = 3, seed: int = 0, progress: bool | None = None):
    r"""Yield ``(N, speed-up, disagreement)`` of :func:`lngeo.geometry.semi_axes` over dense ``eigvalsh``, per width.

    For each ``N`` in ``sizes`` a seeded gain ``g ~ Normal(1, 0.3)`` of width ``N`` is timed
    by :func:`eigvalsh_speedup` (dense ``O(N³)`` against secular ``O(N²)``). Dense
    ``eigvalsh`` at ``N = 4096`` takes 15 s to minutes on a small shared machine, so the
    default sizes stay small; ``benchmarks/eigvalsh.py`` runs the wide ones.

    Parameters
    ----------
    sizes : iterable of int, default :data:`LIVE_SIZES`
        Widths, timed in this order.
    repeat : int, default 3
        Timings per route and width (the best is kept).
    seed : int, default 0
        Seed of the gains (``numpy.random.default_rng(seed)``, one draw per width in order).
    progress : bool or None, default None
        Show a ``tqdm`` progress bar; ``None`` shows it only in a live kernel
        (:func:`lngeo.explorer.in_live_kernel`), never in the built book.

    Yields
    ------
    (int, float, float)
        ``N``, best dense time over best fast time, largest relative semi-axis difference.

    Examples
    --------
    >>> [(n, diff < 1e-12) for n, ratio, diff in eigvalsh_speedups(sizes=(16, 32), repeat=1, progress=False)]
    [(16, True), (32, True)]
    """
    sizes = [int(n) for n in sizes]
    if progress is None:
        from .explorer import in_live_kernel

        progress = in_live_kernel()
    rng = np.random.default_rng(seed)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(sizes), desc="dense eigvalsh vs semi_axes", unit="width")
    try:
        for n in sizes:
            if bar is not None:
                bar.set_postfix_str(f"N = {n}")
            ratio, diff = eigvalsh_speedup(rng.normal(1.0, 0.3, n), repeat)
            if bar is not None:
                bar.update(1)
            yield n, ratio, diff
    finally:
        if bar is not None:
            bar.close()
