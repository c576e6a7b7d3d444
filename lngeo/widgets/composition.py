"""Chapter 1's explorer: an input in R³ and every stage of LayerNorm applied to it."""

from __future__ import annotations

import numpy as np

from .._checks import as_eps, as_scalar
from ..core import decompose
from ._args import as_frames, as_vector3
from ..explorer import Explorer, explorer_factory, log_slider, slider, sweep
from ..plotting import (
    COLORS,
    LABELS,
    circle_points,
    curve_artist,
    ellipse_points,
    figure_3d,
    legend_right,
    plane_patch,
    update_vector,
    vector_artist,
)

__all__ = ["composition_explorer", "composition_frames", "EXAMPLE_GAIN", "EXAMPLE_BIAS"]

#: The example gain and bias of chapter 1 (N = 3): a visible stretch, tilt and shift.
EXAMPLE_GAIN = np.array([1.6, 1.0, 0.6])
EXAMPLE_BIAS = np.array([0.4, -0.3, 0.2])


@explorer_factory
def composition_explorer(gain=EXAMPLE_GAIN, bias=EXAMPLE_BIAS, a=(1.5, 0.5, -0.4), eps: float = 0.05) -> Explorer:
    r"""Return the chapter-1 explorer: an input ``a ∈ R³`` and every stage of ``LN(a)``.

    Sliders: the three input components ``a1, a2, a3`` and ``ε`` (log scale). The figure shows
    ``a`` (black), ``Πa`` on the plane ⟂ 1 (blue), the scaled vector inside the circle of
    radius √3 (orange, green circle) and the output ``LN(a) = G·scaled + b`` on or inside the
    output ellipse (vermillion, purple).
    """
    as_vector3(gain, "gain"), as_vector3(bias, "bias"), as_vector3(a, "a"), as_eps(eps)
    gain = np.asarray(gain, dtype=float)
    bias = np.asarray(bias, dtype=float)
    fig, ax = figure_3d(limit=3.2)
    ones = np.ones(3)
    plane_patch(ax, ones, half=2.6, label=LABELS["hyperplane"])
    curve_artist(ax, np.outer([-3, 3], ones / np.sqrt(3)) * 1.6, COLORS["ones"], LABELS["ones"], ls="--", lw=1)
    curve_artist(ax, circle_points(ones, np.sqrt(3.0)), COLORS["sphere"], LABELS["sphere"])
    curve_artist(ax, ellipse_points(gain, bias), COLORS["ellipsoid"], LABELS["ellipsoid"])
    drop = curve_artist(ax, np.zeros((2, 3)), COLORS["input"], None, ls=":", lw=1)
    vec = {name: vector_artist(ax, COLORS[name], LABELS[name]) for name in ("input", "projected", "scaled", "output")}
    legend_right(fig)

    def update(a1: float, a2: float, a3: float, eps: float) -> None:
        a = np.array([a1, a2, a3])
        parts = decompose(a, gain, bias, eps=eps)
        update_vector(vec["input"], parts.input)
        update_vector(vec["projected"], parts.projected)
        update_vector(vec["scaled"], parts.scaled)
        update_vector(vec["output"], parts.output)
        drop.set_data_3d(*np.stack([parts.input, parts.projected]).T)
        ax.set_title(
            "Mean dropped, length set, circle stretched to ellipse\n"
            f"|Πa| = {np.linalg.norm(parts.projected):.2f},  radial fraction r = {float(parts.radial_fraction):.3f}",
            fontsize=10,
        )

    controls = {
        "a1": slider("a₁", -2.0, 2.0, a[0]),
        "a2": slider("a₂", -2.0, 2.0, a[1]),
        "a3": slider("a₃", -2.0, 2.0, a[2]),
        "eps": log_slider("ε", -4, 1, eps),
    }
    return Explorer(
        fig, controls, update,
        alt=("3-D picture: the input vector a, its projection onto the plane perpendicular to the "
             "all-ones direction, the scaled vector on or inside the circle of radius √3 in that "
             "plane, and the LayerNorm output on or inside the tilted output ellipse."),
        note="Move a₁, a₂, a₃ together (the mean) and nothing but the black arrow moves; "
             "shrink ε and the orange point reaches the green circle.",
    )


def composition_frames(n: int = 24, mean: float = 0.5, radius: float = 1.6) -> list[dict[str, float]]:
    """Return frames for chapter 1's static player: the input circles the all-ones axis.

    ``a(θ) = mean·1 + radius·(cos θ q₁ + sin θ q₂)`` with ``q₁, q₂`` a basis of the plane ⟂ 1:
    ``Πa`` turns in the plane, the scaled vector runs round the circle and the output round
    the ellipse. Every component stays within the sliders' range [−2, 2]
    (``|mean| + radius·√(2/3) ≤ 2``); a slider would clamp it, and the input would leave its circle.
    """
    n, mean, radius = as_frames(n), as_scalar(mean, "mean"), as_scalar(radius, "radius")
    theta = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    q = circle_points(np.ones(3), 1.0, n=5)  # only for the basis
    q1 = q[0]
    q2 = np.cross(np.ones(3) / np.sqrt(3.0), q1)
    a = mean + radius * (np.cos(theta)[:, None] * q1 + np.sin(theta)[:, None] * q2)
    return sweep(a1=a[:, 0], a2=a[:, 1], a3=a[:, 2])
