r"""Chapter 4's pictures and explorer: the affine map ``u ↦ G u + b`` for N = 3.

The gain stretches the circle of radius √3 (in the plane ⟂ 1) into an ellipse inside the
ellipsoid with semi-axes ``√3 |g_n|``; its plane tilts to the normal ``α ∝ 1/g``; the bias
moves everything. A zero gain ``g_j`` flattens the set onto ``y_j = b_j`` (normal ``e_j``).
"""

from __future__ import annotations

import numpy as np

from ..geometry import hyperplane_normal
from ._args import as_frames, as_size, as_vector3
from ..explorer import Explorer, explorer_factory, slider, sweep
from ..plotting import (
    COLORS,
    LABELS,
    circle_points,
    curve_artist,
    ellipse_points,
    figure_3d,
    legend_right,
    plane_patch,
    update_curve,
    update_plane,
    update_vector,
    vector_artist,
)

__all__ = ["affine_normal", "ellipsoid_sections", "affine_pictures", "affine_explorer", "affine_frames"]

#: Start values of the explorer: a visible stretch, tilt and shift.
START_GAIN = (1.4, 0.8, 0.5)
START_BIAS = (0.4, -0.3, 0.2)


def affine_normal(gain) -> np.ndarray | None:
    r"""Return the unit normal of the output plane for N = 3, or ``None`` when it is not a plane.

    ``α ∝ 1/g`` (MATH.md §2); exactly ``e_j`` when only ``g_j = 0`` (§6); ``None`` when two or
    more gains are zero (the set is a segment or a point: its normal space is 2-D or 3-D).
    """
    g = np.asarray(gain, dtype=float)
    if np.count_nonzero(g == 0) >= 2:
        return None
    return hyperplane_normal(g)


def ellipsoid_sections(gain, bias, n: int = 121) -> list[np.ndarray]:
    r"""Return three ``(n, 3)`` curves: the ellipsoid ``Σ((y−b)_n/g_n)² = 3`` cut by the coordinate planes through ``b``.

    Its semi-axes are ``√3 |g_n|`` along the neuron axes; a zero gain gives a flat ellipsoid.
    """
    gain, bias, n = as_vector3(gain, "gain"), as_vector3(bias, "bias"), as_size(n, "n", low=2)
    g = np.sqrt(3.0) * np.abs(np.asarray(gain, dtype=float))
    b = np.asarray(bias, dtype=float)
    t = np.linspace(0, 2 * np.pi, n)
    c, s = np.cos(t), np.sin(t)
    z = np.zeros_like(t)
    return [b + np.column_stack(v) for v in ((g[0] * c, g[1] * s, z), (z, g[1] * c, g[2] * s), (g[0] * c, z, g[2] * s))]


def _draw_output_set(ax, gain, bias, legend: bool = True):
    """Draw the ellipsoid's sections, the output ellipse, its plane and normal; return the artists."""
    art = {}
    sections = ellipsoid_sections(gain, bias)
    art["sections"] = [curve_artist(ax, p, COLORS["ellipsoid"], (r"ellipsoid, semi-axes $\sqrt{3}|g_n|$" if (legend and k == 0) else None), lw=0.8, ls=":") for k, p in enumerate(sections)]
    art["ellipse"] = curve_artist(ax, ellipse_points(gain, bias), COLORS["ellipsoid"], r"output set $\mathrm{LN}(\mathbb{R}^3)$" if legend else None, lw=2.2)
    art["plane"] = plane_patch(ax, np.ones(3), half=2.6, label=r"plane $\alpha\cdot(y-b)=0$" if legend else None)
    art["normal"] = vector_artist(ax, COLORS["output"], r"normal $\alpha \propto 1/g$" if legend else None, lw=2.0, marker="^")
    (art["bias"],) = ax.plot([bias[0]], [bias[1]], [bias[2]], "o", color=COLORS["input"], ms=5, label="bias $b$" if legend else None)
    return art


def _move_output_set(art, gain, bias) -> str:
    """Move the artists of :func:`_draw_output_set` to a new gain and bias; return a title."""
    g = np.asarray(gain, dtype=float)
    b = np.asarray(bias, dtype=float)
    for line, p in zip(art["sections"], ellipsoid_sections(g, b)):
        update_curve(line, p)
    update_curve(art["ellipse"], ellipse_points(g, b))
    art["bias"].set_data_3d([b[0]], [b[1]], [b[2]])
    normal = affine_normal(g)
    zeros = np.flatnonzero(g == 0)
    if normal is None:
        art["plane"].set_visible(False)
        art["normal"].set_visible(False)
        update_vector(art["normal"], b, origin=b)
        kind = "a point" if len(zeros) == 3 else "a segment"
        return f"{len(zeros)} zero gains: the set collapses to {kind}, no single normal"
    art["plane"].set_visible(True)
    art["normal"].set_visible(True)
    update_plane(art["plane"], normal, b, half=2.6)
    update_vector(art["normal"], b + 1.5 * normal, origin=b)
    if len(zeros) == 1:
        j = int(zeros[0]) + 1
        return f"g{_sub(j)} = 0: flattened onto y{_sub(j)} = b{_sub(j)}, normal e{_sub(j)}"
    flips = [str(k + 1) for k in np.flatnonzero(g < 0)]
    mirror = f"; g{','.join(flips)} < 0 mirrors" if flips else ""
    return f"normal ∝ 1/g = ({', '.join(f'{1 / v:+.2f}' for v in g)}){mirror}"


def _sub(j: int) -> str:
    return "₀₁₂₃₄₅₆₇₈₉"[j]


def affine_pictures(cases=None):
    """Return small multiples of the output set for several gains (N = 3, ε = 0).

    Default panels: unit gain (the circle, plane ⟂ 1), a stretched gain (tilted ellipse),
    a negative gain (the mirror image) and a zero gain (flattened onto ``y₂ = b₂``).
    """
    from ..plotting import new_figure

    if cases is not None and not (isinstance(cases, (list, tuple)) and cases and all(
            isinstance(c, (list, tuple)) and len(c) == 2 and isinstance(c[1], str) for c in cases)):
        raise TypeError(f"cases must be a non-empty list of (gain, title) pairs, got {cases!r:.60}")
    for k, (gain, _) in enumerate(cases or ()):
        as_vector3(gain, f"cases[{k}] gain")
    if cases is None:
        cases = [((1.0, 1.0, 1.0), "g = (1, 1, 1): the circle, plane ⟂ 1"),
                 ((1.4, 0.8, 0.5), "g = (1.4, 0.8, 0.5): stretched, tilted"),
                 ((1.4, -0.8, 0.5), "g₂ < 0: the mirror image"),
                 ((1.4, 0.0, 0.5), "g₂ = 0: flat, y₂ = b₂")]
    fig = new_figure(figsize=(12.0, 3.8))
    bias = np.array(START_BIAS)
    for k, (gain, title) in enumerate(cases):
        ax = fig.add_subplot(1, len(cases), k + 1, projection="3d")
        lim = 2.8
        for setlim in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
            setlim(-lim, lim)
        ax.set_box_aspect((1, 1, 1), zoom=0.88)  # equal aspect; room for the y₃ label
        ax.view_init(elev=20, azim=-50)
        # Three ticks per axis, so the labels neither crowd each other nor the axis names.
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_ticks([-2, 0, 2])
        ax.tick_params(labelsize=7, pad=0)
        ax.set_xlabel("$y_1$", labelpad=-4)
        ax.set_ylabel("$y_2$", labelpad=-4)
        ax.set_zlabel("$y_3$", labelpad=-4)
        art = _draw_output_set(ax, gain, bias, legend=(k == 0))
        _move_output_set(art, gain, bias)
        ax.set_title(title.replace("⟂ 1", r"$\perp \mathbf{1}$"), fontsize=9)
    fig.legend(loc="outside lower center", ncols=5)
    return fig


@explorer_factory
def affine_explorer(gain=START_GAIN, bias=START_BIAS) -> Explorer:
    r"""Return chapter 4's explorer: the output set of LayerNorm for N = 3 under a live gain and bias.

    Sliders: ``g₁, g₂, g₃`` from −1.5 to 1.5 (through 0) and ``b₁, b₂, b₃``. The figure shows
    the circle of radius √3 in the plane ⟂ 1 (green, before the affine map), the ellipsoid
    with semi-axes ``√3|g_n|`` (dotted sections), the output ellipse (purple), its plane and
    the normal ``α ∝ 1/g`` (``e_j`` exactly when ``g_j = 0``) drawn from ``b``.
    """
    as_vector3(gain, "gain"), as_vector3(bias, "bias")
    fig, ax = figure_3d(limit=3.2, figsize=(8.6, 5.4), elev=20, azim=-50)
    ax.set_xlabel("output $y_1$")
    ax.set_ylabel("output $y_2$")
    ax.set_zlabel("output $y_3$")
    curve_artist(ax, circle_points(np.ones(3), np.sqrt(3.0)), COLORS["sphere"], "circle of radius √3 (before the affine map)", lw=1.0, alpha=0.7)
    art = _draw_output_set(ax, np.asarray(gain, float), np.asarray(bias, float))
    legend_right(fig)

    def update(g1: float, g2: float, g3: float, b1: float, b2: float, b3: float) -> None:
        ax.set_title(_move_output_set(art, [g1, g2, g3], [b1, b2, b3]))

    controls = {f"g{k + 1}": slider(f"gain g{_sub(k + 1)}", -1.5, 1.5, gain[k], step=0.05) for k in range(3)}
    controls.update({f"b{k + 1}": slider(f"bias b{_sub(k + 1)}", -1.0, 1.0, bias[k], step=0.05) for k in range(3)})
    return Explorer(
        fig, controls, update,
        alt=("3-D picture of LayerNorm's output set for three neurons: the circle of radius root 3 in the plane "
             "perpendicular to the all-ones direction, the ellipse it becomes under the gain and bias, the tilted "
             "plane containing that ellipse with its normal vector proportional to one over the gain, and dotted "
             "sections of the ellipsoid with semi-axes root 3 times the absolute gains."),
        note="Drag g₂ through 0: the ellipse flattens onto the plane y₂ = b₂ (normal e₂), then reappears mirrored.",
    )


def affine_frames(n: int = 24) -> list[dict[str, float]]:
    """Return frames for chapter 4's static player: ``g₂`` sweeps 1.2 → −1.2 through 0, then ``b`` moves."""
    n = as_frames(n)
    half = n - n // 3
    g2 = np.concatenate([np.linspace(1.2, -1.2, half), np.full(n - half, -1.2)])
    # keep g₂ = 0 exactly in the sweep when half is odd; otherwise add it explicitly
    if half % 2 == 0:
        g2[half // 2] = 0.0
    b1 = np.concatenate([np.full(half, START_BIAS[0]), np.linspace(START_BIAS[0], -0.8, n - half)])
    return sweep(g1=np.full(n, START_GAIN[0]), g2=g2, g3=np.full(n, START_GAIN[2]), b1=b1)
