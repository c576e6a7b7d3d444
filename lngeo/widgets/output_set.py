"""Chapter 5's pictures and explorer: the output set, hyperplane ∩ ellipsoid, and its principal axes."""

from __future__ import annotations

import numpy as np

from .._checks import as_eps, as_scalar
from ..core import layer_norm, radial_fraction
from ..explorer import Explorer, explorer_factory, slider, sweep
from ..geometry import interlacing_bounds, normal_space, principal_axes, semi_axes
from ._args import as_frames, as_seed, as_size, as_vector3
from ..plotting import (
    COLORS,
    HIST_STYLE,
    LABELS,
    curve_artist,
    ellipse_points,
    ellipsoid_wireframe,
    figure_3d,
    figure_2d,
    new_figure,
    plane_patch,
    points_artist,
    update_curve,
    update_plane,
    update_points,
    update_wireframe,
    wireframe_artist,
)

__all__ = [
    "EXAMPLE_GAIN",
    "EXAMPLE_BIAS",
    "sample_inputs",
    "output_set_explorer",
    "output_set_frames",
    "degenerate_gains_figure",
    "interlacing_figure",
    "near_surface_figure",
]

#: Chapter 5's example gain and bias (N = 3), the same as chapter 1's.
EXAMPLE_GAIN = np.array([1.6, 1.0, 0.6])
EXAMPLE_BIAS = np.array([0.4, -0.3, 0.2])


def sample_inputs(n: int = 160, dim: int = 3, seed: int = 5) -> np.ndarray:
    """Return ``(n, dim)`` seeded random inputs with standard deviations spread from 0.03 to 3.

    ``a = m 1 + σ x`` with ``x`` standard normal, ``σ`` log-uniform: for ``ε`` around 0.01
    some land well inside the output ellipse, most near its boundary.
    """
    n, dim = as_size(n, "n"), as_size(dim, "dim")
    rng = np.random.default_rng(as_seed(seed))
    sigma = np.exp(rng.uniform(np.log(0.03), np.log(3.0), size=(n, 1)))
    return rng.normal(size=(n, 1)) + sigma * rng.normal(size=(n, dim))


def _draw_set(ax, gain, bias, inputs, eps, half=3.6):
    """Draw plane, N-dim ellipsoid (wireframe), output ellipse, principal axes and outputs; return the artists."""
    g, b = np.asarray(gain, float), np.asarray(bias, float)
    art = {
        "plane": plane_patch(ax, normal_space(g)[0], b, half=half, label="hyperplane α·(y − b) = 0"),
        "wire": wireframe_artist(ax, ellipsoid_wireframe(np.sqrt(3) * g, b), label=r"ellipsoid, semi-axes $\sqrt{N}|g_n|$"),
        "ellipse": curve_artist(ax, ellipse_points(g, b), COLORS["ellipsoid"], "output ellipse (boundary)", lw=2.2),
        "axis1": curve_artist(ax, np.zeros((2, 3)), COLORS["projected"], r"principal axes $b \pm s_k u_k$", lw=2.4),
        "axis2": curve_artist(ax, np.zeros((2, 3)), COLORS["projected"], None, lw=2.4),
        "points": points_artist(ax, layer_norm(inputs, g, b, eps=eps), COLORS["output"], LABELS["output"], size=2.5),
    }
    _move_set(art, g, b, inputs, eps, half)
    return art


def _move_set(art, g, b, inputs, eps, half=3.6):
    s, u = principal_axes(g)
    update_plane(art["plane"], normal_space(g)[0], b, half=half)
    update_wireframe(art["wire"], ellipsoid_wireframe(np.sqrt(3) * g, b))
    update_curve(art["ellipse"], ellipse_points(g, b))
    update_curve(art["axis1"], np.stack([b - s[0] * u[0], b + s[0] * u[0]]))
    update_curve(art["axis2"], np.stack([b - s[1] * u[1], b + s[1] * u[1]]))
    update_points(art["points"], layer_norm(inputs, g, b, eps=eps))
    return s


def _describe(g: np.ndarray, s: np.ndarray) -> str:
    zeros = int(np.count_nonzero(g == 0))
    if zeros == 0:
        alpha = 1.0 / g
        alpha = alpha / np.max(np.abs(alpha))
        normal = "normal ∝ 1/g ∝ (" + ", ".join(f"{x:.2f}" for x in alpha) + ")"
    elif zeros == 1:
        j = int(np.flatnonzero(g == 0)[0])
        normal = f"g{j + 1} = 0: normal e{j + 1}, y{j + 1} = b{j + 1}"
    elif zeros == 2:
        normal = "two zero gains: the set is a segment"
    else:
        normal = "all gains zero: the set is the point b"
    return f"semi-axes s = {s[0]:.2f}, {s[1]:.2f};  {normal}"


@explorer_factory
def output_set_explorer(gain=EXAMPLE_GAIN, bias=EXAMPLE_BIAS, eps: float = 0.01) -> Explorer:
    r"""Return the chapter-5 explorer: N = 3, gains, bias and ε drive the output set.

    Sliders: ``g1, g2, g3 ∈ [−2, 2]`` (through 0 and negative), ``b1, b2, b3 ∈ [−1, 1]``,
    ``ε ∈ [0, 0.5]`` (0 allowed: the random inputs have nonzero variance). The figure shows
    the hyperplane with normal ``∝ 1/g`` through ``b`` (sky blue), the 3-D ellipsoid with
    semi-axes ``√3|g_n|`` (purple wireframe), their intersection — the output ellipse —
    with its principal axes ``b ± s_k u_k`` (blue), and 160 real LayerNorm outputs.
    """
    as_vector3(gain, "gain"), as_vector3(bias, "bias"), as_eps(eps)
    inputs = sample_inputs()
    s0 = semi_axes(np.asarray(gain, dtype=float))
    fig, ax = figure_3d(limit=3.6, figsize=(8.6, 5.6), elev=30, azim=-25)
    art = _draw_set(ax, gain, bias, inputs, eps)
    fig.legend(loc="outside right center")

    def update(g1, g2, g3, b1, b2, b3, eps):
        g, b = np.array([g1, g2, g3]), np.array([b1, b2, b3])
        s = _move_set(art, g, b, inputs, eps)
        ax.set_title(_describe(g, s))

    controls = {
        **{f"g{i + 1}": slider(f"g{'₁₂₃'[i]}", -2.0, 2.0, float(gain[i])) for i in range(3)},
        **{f"b{i + 1}": slider(f"b{'₁₂₃'[i]}", -1.0, 1.0, float(bias[i])) for i in range(3)},
        "eps": slider("ε", 0.0, 0.5, eps, step=0.0025, readout_format=".4f"),
    }
    return Explorer(
        fig, controls, update,
        alt=("3-D picture of LayerNorm's output set for three neurons: a tilted plane through the "
             "bias, a wireframe ellipsoid with semi-axes root-3 times the gains, the ellipse where "
             f"they meet with its two principal axes (semi-axes {s0[0]:.2f} and {s0[1]:.2f} at the "
             f"start), and {len(inputs)} LayerNorm outputs inside that ellipse "
             "(on it when epsilon is 0)."),
        note="Drag g₃ through 0 to negative values: the plane turns until it is perpendicular to "
             "neuron 3, then the set mirrors; set ε to 0 and every output reaches the ellipse.",
    )


def output_set_frames(n: int = 24) -> list[dict[str, float]]:
    """Return frames for chapter 5's static player: ``g₃`` from 1.4 through 0 to −1.2."""
    n = as_frames(n)
    return sweep(g3=np.linspace(1.4, -1.2, n))


def degenerate_gains_figure(eps: float = 0.0):
    """Return four 3-D panels: ordinary, one negative, one zero and two zero gains (MATH.md §6).

    Each panel shows the plane, the 3-D ellipsoid's wireframe, the output ellipse and real
    outputs (``ε = 0``, so they lie on the boundary). The negative-gain panel also shows,
    dashed, the set for ``|g|``: same shape, mirrored.
    """
    cases = [
        ("g = (1.6, 1, 0.6): an ellipse", [1.6, 1.0, 0.6]),
        ("g₂ = −1: the |g| set mirrored", [1.6, -1.0, 0.6]),
        ("g₃ = 0: plane ⊥ e₃, still an ellipse", [1.6, 1.0, 0.0]),
        ("g₂ = g₃ = 0: a segment", [1.6, 0.0, 0.0]),
    ]
    fig = new_figure(figsize=(10.0, 8.4))
    inputs = sample_inputs(120)
    bias = np.zeros(3)
    for k, (title, g) in enumerate(cases):
        ax = fig.add_subplot(2, 2, k + 1, projection="3d")
        lim = 3.0
        ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim), ax.set_zlim(-lim, lim)
        ax.set_box_aspect((1, 1, 1))
        ax.view_init(elev=30, azim=-25)
        ax.set_xlabel("neuron 1"), ax.set_ylabel("neuron 2"), ax.set_zlabel("neuron 3")
        _draw_set(ax, g, bias, inputs, eps, half=2.8)
        if k == 1:
            curve_artist(ax, ellipse_points(np.abs(g), bias), COLORS["ones"], None, lw=1.2, ls="--")
        ax.set_title(title)
        if k == 0:
            handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3)
    fig.suptitle("Degenerate gains: a negative gain mirrors the set, a zero gain pins a coordinate, two flatten it")
    return fig


def interlacing_figure(gain):
    r"""Return a figure: each semi-axis ``s_k`` sits between ``√N|g|_(k)`` and ``√N|g|_(k+1)``.

    For each ``k`` (semi-axes ascending), a grey bar spans the interlacing interval, a dot
    marks ``s_k``; horizontal ticks mark every ``√N |g_n|``.
    """
    g = np.asarray(gain, dtype=float)
    n = g.size
    s = semi_axes(g)[::-1]
    lo, hi = (b[::-1] for b in interlacing_bounds(g))
    fig, ax = figure_2d(figsize=(7.6, 4.2), equal=False)
    k = np.arange(1, n)
    ax.vlines(k, lo, hi, color=COLORS["ones"], lw=7, alpha=0.35, label=r"interval $[\sqrt{N}|g|_{(k)}, \sqrt{N}|g|_{(k+1)}]$")
    for level in np.sort(np.abs(g)) * np.sqrt(n):
        ax.axhline(level, color=COLORS["ones"], lw=0.5, ls=":")
    ax.plot(k, s, "o", color=COLORS["ellipsoid"], ms=7, label=r"semi-axis $s_k$ of the slice")
    ax.set_xlabel("k (semi-axes in ascending order)")
    ax.set_yscale("log")
    ax.set_ylabel("length (log scale)")
    ax.set_xticks(k)
    ax.set_title(f"Interlacing, N = {n}: every semi-axis of the slice sits between two of the ellipsoid's")
    ax.legend(loc="upper left")
    return fig


def near_surface_figure(n: int = 768, eps: float = 1e-5, samples: int = 4000, seed: int = 0):
    r"""Return two panels on how close to the surface outputs land, for width ``n``.

    Left: a histogram (log x) of ``1 − r`` for random inputs ``a = σ x`` with ``x`` standard
    normal and ``σ`` log-normal (median 1, spread e^{±1.5}). Right: the curve
    ``1 − r = 1 − 1/√(1 + ε/σ²)`` against ``σ²/ε``, with MATH.md's landmarks.
    """
    n, samples = as_size(n, "n", low=2), as_size(samples, "samples")
    eps = as_scalar(eps, "eps", low=float(np.finfo(float).tiny))  # 1 − r is drawn on a log axis
    if n * samples > 50_000_000:
        raise ValueError(f"n * samples must be <= 5e7 (the figure draws an (samples, n) array), got {n} * {samples}")
    rng = np.random.default_rng(as_seed(seed))
    sigma = np.exp(rng.normal(0.0, 1.5, size=(samples, 1)))
    r = radial_fraction(sigma * rng.normal(size=(samples, n)), eps=eps)
    gap = 1.0 - r
    fig, (ax1, ax2) = figure_2d(ncols=2, figsize=(10.0, 3.9), equal=False)
    bins = np.logspace(np.floor(np.log10(gap.min())), 0, 50)
    ax1.hist(gap, bins=bins, color=COLORS["output"], **HIST_STYLE)
    ax1.set_xscale("log")
    ax1.axvline(0.01, color=COLORS["ones"], ls="--", lw=1)
    ax1.text(0.012, ax1.get_ylim()[1] * 0.9, "r = 0.99", fontsize=8, color=COLORS["ones"])
    ax1.set_xlabel(r"depth below the surface, $1 - r$")
    ax1.set_ylabel("inputs")
    share = np.mean(gap < 0.01)
    ax1.set_title(f"N = {n}, ε = {eps:g}: {100 * share:.1f}% of inputs land within 1% of the surface")
    ratio = np.logspace(-2, 6, 200)
    ax2.loglog(ratio, 1 - 1 / np.sqrt(1 + 1 / ratio), color=COLORS["output"], lw=2)
    for x, label in ((1 / 3, "r = 0.5"), (49.25, "r = 0.99"), (1e5, "σ = 1, ε = 1e-5")):
        y = 1 - 1 / np.sqrt(1 + 1 / x)
        ax2.plot(x, y, "o", color=COLORS["input"], ms=5)
        ax2.annotate(label, (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax2.set_xlabel(r"$\sigma^2/\varepsilon$")
    ax2.set_ylabel(r"$1 - r$")
    ax2.set_title(r"1 − r ≈ ε/(2σ²) once σ² ≫ ε: only σ² ≲ 50ε lands visibly inside", fontsize=10)
    return fig
