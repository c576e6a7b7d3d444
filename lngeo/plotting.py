"""Drawing the geometry: one visual style for every figure in the book.

The same object has the same colour everywhere (Okabe–Ito palette, safe for the common forms
of colour blindness): the input ``a`` is black, ``Πa`` blue, the scaled vector orange, the
output vermillion, the hyperplane sky blue, the sphere green and the output ellipsoid purple.

Figures are built once and then *updated* (``set_data_3d``, ``set_verts``), so explorers
redraw quickly. Every drawing function returns the artists it made. Figure factories close
the figure in pyplot straight away (:func:`new_figure`): a notebook shows it only when a cell
returns it, never twice, and explorers render it themselves.
"""

from __future__ import annotations

import functools
import inspect

import matplotlib.pyplot as plt
import numpy as np
from mpl_toolkits.mplot3d.art3d import Poly3DCollection

from ._checks import as_count, as_real, as_scalar, finite_result

#: artist-like arguments and a method each must have
_ARTISTS = {"ax": "plot", "line": "set_data", "poly": "set_verts", "coll": "set_segments",
            "fig": "legend"}
_VECTORS = {"normal", "point", "tip", "origin", "center", "semi"}
_NUMBERS = {"half", "alpha", "lw", "size", "radius", "limit", "elev", "azim"}
_COUNTS = {"n", "n_lat", "n_lon", "ncols"}
_STRINGS = {"ls", "marker", "title"}


def _check_argument(fn_name: str, name: str, value) -> None:
    dim = 2 if fn_name.endswith("_2d") else 3
    if name in _ARTISTS:
        if not hasattr(value, _ARTISTS[name]):
            raise TypeError(f"{name} must be a matplotlib object with .{_ARTISTS[name]}(), "
                            f"got {type(value).__name__}")
    elif name in _VECTORS:
        arr = as_real(value, name, ndim=1)
        if arr.shape != (dim,):
            raise ValueError(f"{name} must have shape ({dim},), got {arr.shape}")
    elif name == "points":
        arr = as_real(value, name)
        if arr.ndim not in (1, 2) or arr.shape[-1] != dim:
            raise ValueError(f"points must have shape (P, {dim}) or ({dim},), got {arr.shape}")
    elif name == "segments":
        if value is None or isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise TypeError(f"segments must be a list of (P, 3) arrays, got {type(value).__name__}")
        for i, seg in enumerate(value):
            arr = as_real(seg, f"segments[{i}]", ndim=2)
            if arr.shape[-1] != 3:
                raise ValueError(f"segments[{i}] must have shape (P, 3), got {arr.shape}")
    elif name in _NUMBERS:
        as_scalar(value, name)
    elif name in _COUNTS:
        as_count(value, name, low=1, high=100_000)
    elif name in _STRINGS and not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    elif name == "color" and not isinstance(value, (str, tuple)):
        raise TypeError(f"color must be a matplotlib colour (a str), got {type(value).__name__}")
    elif name == "figsize":
        arr = as_real(value, name, ndim=1)
        if arr.shape != (2,) or not np.all(arr > 0):
            raise ValueError(f"figsize must be (width, height) > 0 in inches, got {value!r}")
    elif name == "width_ratios" and value is not None:
        arr = as_real(value, name, ndim=1)
        if not np.all(arr > 0):
            raise ValueError(f"width_ratios must be positive, got {value!r}")
    elif name == "equal" and not isinstance(value, (bool, np.bool_, list, tuple)):
        raise TypeError(f"equal must be a bool or a list of bools, got {type(value).__name__}")
    elif name == "label" and value is not None and not isinstance(value, str):
        raise TypeError(f"label must be a str or None, got {type(value).__name__}")


def _checked(fn):
    """Check every argument by its name before drawing; results must be finite."""
    sig = inspect.signature(fn)
    inner = finite_result()(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{fn.__name__}{sig}: {exc}") from None
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            _check_argument(fn.__name__, name, value)
        return inner(*args, **kwargs)

    return wrapper

__all__ = [
    "COLORS",
    "LABELS",
    "style",
    "new_figure",
    "figure_3d",
    "legend_right",
    "orthonormal_basis",
    "plane_patch",
    "update_plane",
    "circle_points",
    "ellipse_points",
    "vector_artist",
    "update_vector",
    "curve_artist",
    "update_curve",
    "figure_2d",
    "vector_2d",
    "update_vector_2d",
    "HIST_STYLE",
    "ellipsoid_wireframe",
    "wireframe_artist",
    "update_wireframe",
    "points_artist",
    "update_points",
]

#: Okabe–Ito colours, one per object of the construction.
COLORS = {
    "input": "#000000",
    "projected": "#0072B2",
    "scaled": "#E69F00",
    "output": "#D55E00",
    "hyperplane": "#56B4E9",
    "sphere": "#009E73",
    "ellipsoid": "#CC79A7",
    "ones": "#7F7F7F",
    "normal": "#CC79A7",
    "axes": "#F0E442",
}

#: Legend labels, in MATH.md's notation.
LABELS = {
    "input": r"input $a$",
    "projected": r"projected $\Pi a$",
    "scaled": r"scaled, length $\leq \sqrt{N}$",
    "output": r"output $\mathrm{LN}(a)$",
    "hyperplane": r"hyperplane $\perp \mathbf{1}$",
    "sphere": r"sphere of radius $\sqrt{N}$",
    "ellipsoid": "output ellipse",
    "ones": r"direction $\mathbf{1}$",
}


def style() -> None:
    """Set the book's matplotlib defaults (small fonts, no top/right spines, tight layout)."""
    plt.rcParams.update(
        {
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.fontsize": 8,
            "legend.frameon": False,
        }
    )


@_checked
def new_figure(figsize=(6.0, 4.0), **kwargs):
    """Return a new figure in the book's style, already closed in pyplot (shown only when returned)."""
    style()
    kwargs.setdefault("layout", "constrained")
    fig = plt.figure(figsize=figsize, **kwargs)
    plt.close(fig)
    return fig


@_checked
def figure_3d(limit: float = 3.0, title: str = "", figsize=(8.0, 5.4), elev: float = 25.0, azim: float = -10.0):
    """Return ``(fig, ax)``: a 3-D axes with equal aspect and symmetric limits ``±limit``.

    A circle looks like a circle: the box aspect is (1, 1, 1) and all three limits match.
    The axes fill the left 64 % of the figure; put the legend on the right with
    :func:`legend_right`.
    """
    fig = new_figure(figsize=figsize, layout="none")
    # Fixed placement (no constrained layout): room on the right for a figure legend and
    # below for the axis labels, identical in every frame of a player.
    ax = fig.add_axes((0.0, 0.04, 0.64, 0.88), projection="3d")
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_zlim(-limit, limit)
    ax.set_box_aspect((1, 1, 1))
    ax.set_xlabel("neuron 1")
    ax.set_ylabel("neuron 2")
    ax.set_zlabel("neuron 3")
    ax.view_init(elev=elev, azim=azim)
    if title:
        ax.set_title(title)
    return fig, ax


@_checked
def legend_right(fig, **kwargs):
    """Place the figure's legend in the free column right of a :func:`figure_3d` axes."""
    return fig.legend(loc="center left", bbox_to_anchor=(0.64, 0.5), **kwargs)


@_checked
def orthonormal_basis(normal) -> np.ndarray:
    """Return a ``(2, 3)`` array: an orthonormal basis of the plane through 0 with the given normal.

    The basis is the right singular vectors of ``normalᵀ`` beyond the first, so it is
    deterministic and orthonormal to round-off.

    Examples
    --------
    >>> q = orthonormal_basis([1.0, 1.0, 1.0])
    >>> bool(np.allclose(q @ q.T, np.eye(2)) and np.allclose(q.sum(axis=1), 0))
    True
    """
    n = np.asarray(normal, dtype=float).reshape(1, 3)
    if not np.all(np.isfinite(n)) or not np.any(n):
        raise ValueError(f"normal must be a finite nonzero 3-vector, got {n.ravel()}")
    _, _, vt = np.linalg.svd(n)
    return vt[1:]


def _plane_corners(normal, point, half: float) -> np.ndarray:
    q = orthonormal_basis(normal)
    p = np.asarray(point, dtype=float)
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    return p + half * signs @ q


@_checked
def plane_patch(ax, normal, point=(0.0, 0.0, 0.0), half: float = 2.5, color: str = COLORS["hyperplane"], alpha: float = 0.18, label=None):
    """Draw the square of side ``2·half`` of the plane ``{y : normal·(y - point) = 0}``; return it."""
    poly = Poly3DCollection([_plane_corners(normal, point, half)], facecolor=color, edgecolor=color, alpha=alpha, label=label)
    ax.add_collection3d(poly)
    return poly


@_checked
def update_plane(poly, normal, point=(0.0, 0.0, 0.0), half: float = 2.5) -> None:
    """Move a patch made by :func:`plane_patch` to a new plane."""
    poly.set_verts([_plane_corners(normal, point, half)])


@_checked
def circle_points(normal, radius: float, center=(0.0, 0.0, 0.0), n: int = 181) -> np.ndarray:
    """Return ``(n, 3)`` points of the circle of the given radius in the plane ⟂ ``normal``."""
    q = orthonormal_basis(normal)
    t = np.linspace(0.0, 2.0 * np.pi, n)
    return np.asarray(center, dtype=float) + radius * (np.cos(t)[:, None] * q[0] + np.sin(t)[:, None] * q[1])


@_checked
def ellipse_points(gain, bias=None, n: int = 181) -> np.ndarray:
    r"""Return ``(n, 3)`` points of the boundary of LayerNorm's output set for N = 3.

    .. math:: y(\theta) = b + G\,\sqrt{3}\,(\cos\theta\, q_1 + \sin\theta\, q_2),

    with ``q₁, q₂`` an orthonormal basis of the plane ⟂ 1: the image of the circle of
    radius √3 under the affine map. Degenerate gains give a segment or a point, drawn as such.
    """
    g = np.asarray(gain, dtype=float)
    b = np.zeros(3) if bias is None else np.asarray(bias, dtype=float)
    circle = circle_points(np.ones(3), np.sqrt(3.0), n=n)
    return b + circle * g


@_checked
def vector_artist(ax, color: str, label=None, origin=(0.0, 0.0, 0.0), lw: float = 2.2, marker: str = "o", ls: str = "-"):
    """Draw an arrow-like segment from ``origin`` (a line with a marker at its tip); return it."""
    (line,) = ax.plot([origin[0]] * 2, [origin[1]] * 2, [origin[2]] * 2, color=color, lw=lw, label=label, ls=ls, marker=marker, markevery=[1], markersize=6)
    return line


@_checked
def update_vector(line, tip, origin=(0.0, 0.0, 0.0)) -> None:
    """Move a segment made by :func:`vector_artist` to go from ``origin`` to ``tip``."""
    o = np.asarray(origin, dtype=float)
    t = np.asarray(tip, dtype=float)
    line.set_data_3d([o[0], t[0]], [o[1], t[1]], [o[2], t[2]])


@_checked
def curve_artist(ax, points, color: str, label=None, lw: float = 1.5, ls: str = "-", alpha: float = 1.0):
    """Draw a 3-D polyline through ``points`` (shape (n, 3)); return the line."""
    p = np.asarray(points, dtype=float)
    (line,) = ax.plot(p[:, 0], p[:, 1], p[:, 2], color=color, lw=lw, label=label, ls=ls, alpha=alpha)
    return line


@_checked
def update_curve(line, points) -> None:
    """Move a polyline made by :func:`curve_artist` to new points."""
    p = np.asarray(points, dtype=float)
    line.set_data_3d(p[:, 0], p[:, 1], p[:, 2])


#: Histogram style (filled bars with a darker edge, half transparent so overlaps stay readable).
HIST_STYLE = {"alpha": 0.55, "edgecolor": "white", "linewidth": 0.5}


@_checked
def figure_2d(ncols: int = 1, figsize=(6.0, 4.0), equal=True, width_ratios=None):
    """Return ``(fig, axes)``: ``ncols`` 2-D axes side by side (a single axes when ``ncols == 1``).

    ``equal`` is one bool for all axes or a list of bools, one per axes: geometry panels get
    equal aspect (a circle looks like a circle), plots of a function do not.
    """
    fig = new_figure(figsize=figsize)
    axes = fig.subplots(1, ncols, width_ratios=width_ratios, squeeze=False)[0]
    flags = [equal] * ncols if isinstance(equal, bool) else list(equal)
    for ax, flag in zip(axes, flags):
        if flag:
            ax.set_aspect("equal", adjustable="box")
    return fig, (axes[0] if ncols == 1 else list(axes))


@_checked
def vector_2d(ax, color: str, label=None, origin=(0.0, 0.0), lw: float = 2.2, ls: str = "-", marker: str = "o"):
    """Draw a 2-D arrow-like segment from ``origin`` (a line with a marker at its tip); return it."""
    (line,) = ax.plot([origin[0]] * 2, [origin[1]] * 2, color=color, lw=lw, ls=ls, label=label, marker=marker, markevery=[1], markersize=6)
    return line


@_checked
def update_vector_2d(line, tip, origin=(0.0, 0.0)) -> None:
    """Move a segment made by :func:`vector_2d` to go from ``origin`` to ``tip``."""
    line.set_data([origin[0], tip[0]], [origin[1], tip[1]])


@_checked
def ellipsoid_wireframe(semi, center=(0.0, 0.0, 0.0), n_lat: int = 5, n_lon: int = 6, n: int = 61) -> list[np.ndarray]:
    r"""Return polylines (each ``(n, 3)``) of an axis-aligned ellipsoid's wireframe.

    .. math:: y = c + (s_1 x_1, s_2 x_2, s_3 x_3), \qquad |x| = 1,

    drawn as ``n_lat`` circles of latitude and ``n_lon`` meridians of the unit sphere,
    stretched by the semi-axes ``semi`` (zero or negative entries give a flattened or mirrored
    ellipsoid, drawn as such). For LayerNorm's N-dimensional ellipsoid, ``semi = √N |g|``.
    """
    s = np.asarray(semi, dtype=float)
    c = np.asarray(center, dtype=float)
    t = np.linspace(0.0, 2.0 * np.pi, n)
    lines = []
    for z in np.linspace(-1.0, 1.0, n_lat + 2)[1:-1]:
        rho = np.sqrt(1.0 - z * z)
        lines.append(np.stack([rho * np.cos(t), rho * np.sin(t), np.full(n, z)], axis=1))
    for phi in np.linspace(0.0, np.pi, n_lon, endpoint=False):
        lines.append(np.stack([np.cos(phi) * np.sin(t), np.sin(phi) * np.sin(t), np.cos(t)], axis=1))
    return [c + s * line for line in lines]


@_checked
def wireframe_artist(ax, segments, color: str = COLORS["ellipsoid"], label=None, lw: float = 0.7, alpha: float = 0.5):
    """Draw polylines (e.g. :func:`ellipsoid_wireframe`) as one 3-D line collection; return it."""
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    coll = Line3DCollection(list(segments), colors=color, linewidths=lw, alpha=alpha, label=label)
    ax.add_collection3d(coll)
    return coll


@_checked
def update_wireframe(coll, segments) -> None:
    """Move a collection made by :func:`wireframe_artist` to new polylines."""
    coll.set_segments(list(segments))


@_checked
def points_artist(ax, points, color: str, label=None, size: float = 3.0, alpha: float = 0.8):
    """Draw 3-D points (shape (n, 3)) as markers without lines; return the artist."""
    p = np.asarray(points, dtype=float).reshape(-1, 3)
    (line,) = ax.plot(p[:, 0], p[:, 1], p[:, 2], ls="none", marker="o", ms=size, color=color, alpha=alpha, label=label)
    return line


@_checked
def update_points(line, points) -> None:
    """Move the points of an artist made by :func:`points_artist`."""
    p = np.asarray(points, dtype=float).reshape(-1, 3)
    line.set_data_3d(p[:, 0], p[:, 1], p[:, 2])
