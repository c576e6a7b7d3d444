"""Chapter 2's pictures and explorer: the projection ``Π = I − 1 1ᵀ/N`` onto the hyperplane ⟂ 1."""

from __future__ import annotations

import numpy as np

from .._checks import as_scalar
from ..core import project
from ._args import as_frames, as_seed, as_vector3
from ..explorer import Explorer, explorer_factory, slider, sweep
from ..plotting import (
    COLORS,
    LABELS,
    curve_artist,
    figure_3d,
    legend_right,
    new_figure,
    orthonormal_basis,
    plane_patch,
    update_vector,
    vector_artist,
)

__all__ = ["projection_pictures", "projection_explorer", "projection_frames"]


def projection_pictures(seed: int = 2):
    """Return a figure with two panels: Π for N = 2 (onto a line) and for N = 3 (onto a plane).

    A few seeded random inputs (black) drop along the all-ones direction (dotted) onto
    ``1⟂`` (blue points): the drop is ``μ(a)·1``, the projection ``Πa = a − μ1``.
    """
    rng = np.random.default_rng(as_seed(seed))
    fig = new_figure(figsize=(9.6, 4.4))
    ax2 = fig.add_subplot(1, 2, 1)
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")

    # N = 2: the line a1 + a2 = 0
    t = np.array([-2.6, 2.6])
    ax2.plot(t, -t, color=COLORS["hyperplane"], lw=3, alpha=0.6, label=r"line $\perp \mathbf{1}$ ($a_1 + a_2 = 0$)")
    ax2.plot(t, t, color=COLORS["ones"], ls="--", lw=1, label=LABELS["ones"])
    a2 = rng.uniform(-2.0, 2.0, size=(5, 2))
    p2 = project(a2)
    for k, (a, p) in enumerate(zip(a2, p2)):
        ax2.plot(*np.stack([a, p]).T, color=COLORS["input"], ls=":", lw=1)
        ax2.plot(*a, "o", color=COLORS["input"], ms=5, label=LABELS["input"] if k == 0 else None)
        ax2.plot(*p, "o", color=COLORS["projected"], ms=6, label=LABELS["projected"] if k == 0 else None)
    ax2.set_xlim(-2.6, 2.6)
    ax2.set_ylim(-2.6, 2.6)
    ax2.set_aspect("equal", adjustable="box")
    ax2.set_xlabel("neuron 1, $a_1$")
    ax2.set_ylabel("neuron 2, $a_2$")
    ax2.set_title("N = 2: every input drops along 1 onto a line")
    ax2.legend(loc="lower right")

    # N = 3: the plane a1 + a2 + a3 = 0
    ones = np.ones(3)
    lim = 2.4
    ax3.set_xlim(-lim, lim)
    ax3.set_ylim(-lim, lim)
    ax3.set_zlim(-lim, lim)
    ax3.set_box_aspect((1, 1, 1))
    ax3.view_init(elev=22, azim=-35)
    ax3.set_xlabel("neuron 1")
    ax3.set_ylabel("neuron 2")
    ax3.set_zlabel("neuron 3")
    plane_patch(ax3, ones, half=2.2)
    curve_artist(ax3, np.outer([-2.2, 2.2], ones / np.sqrt(3)), COLORS["ones"], None, ls="--", lw=1)
    a3 = rng.uniform(-1.6, 1.6, size=(6, 3))
    p3 = project(a3)
    for a, p in zip(a3, p3):
        curve_artist(ax3, np.stack([a, p]), COLORS["input"], None, ls=":", lw=1)
    ax3.scatter(*a3.T, color=COLORS["input"], s=18, depthshade=False)
    ax3.scatter(*p3.T, color=COLORS["projected"], s=24, depthshade=False)
    ax3.set_title(r"N = 3: onto the plane $\perp \mathbf{1}$")
    return fig


@explorer_factory
def projection_explorer(a=(1.4, 0.2, -0.7), shift: float = 0.8) -> Explorer:
    r"""Return chapter 2's explorer: an input ``a + c·1`` in R³, its projection and the plane ⟂ 1.

    Sliders: the three components of ``a`` and a mean shift ``c`` added to every component.
    The figure shows the input (black), the drop along 1 (dotted), ``Π(a + c1) = Πa`` (blue)
    on the plane ⟂ 1 (sky blue), and the removed part ``μ·1`` (grey). Moving ``c`` moves the
    black arrow, its drop and the grey mean part, never the blue ``Πa``: the projection forgets
    the mean.
    """
    as_vector3(a, "a"), as_scalar(shift, "shift")
    fig, ax = figure_3d(limit=2.6, figsize=(8.0, 5.2), elev=18, azim=-35)
    ones = np.ones(3)
    plane_patch(ax, ones, half=2.4, label=LABELS["hyperplane"])
    curve_artist(ax, np.outer([-2.6, 2.6], ones / np.sqrt(3)) * 1.5, COLORS["ones"], LABELS["ones"], ls="--", lw=1)
    drop = curve_artist(ax, np.zeros((2, 3)), COLORS["input"], r"drop along $\mathbf{1}$: $\mu\,\mathbf{1}$", ls=":", lw=1.2)
    mean = vector_artist(ax, COLORS["ones"], r"mean part $\mu\,\mathbf{1}$", lw=1.6)
    vin = vector_artist(ax, COLORS["input"], LABELS["input"])
    vproj = vector_artist(ax, COLORS["projected"], LABELS["projected"])
    legend_right(fig)

    def update(a1: float, a2: float, a3: float, c: float) -> None:
        x = np.array([a1, a2, a3]) + c
        p = project(x)
        mu = float(np.mean(x))
        update_vector(vin, x)
        update_vector(vproj, p)
        update_vector(mean, mu * ones)
        drop.set_data_3d(*np.stack([x, p]).T)
        ax.set_title(f"the mean μ = {mu:+.2f} is removed:\n"
                     f"Πa = ({p[0]:+.2f}, {p[1]:+.2f}, {p[2]:+.2f}) lies in the plane", fontsize=10)

    controls = {
        "a1": slider("a₁", -2.0, 2.0, a[0]),
        "a2": slider("a₂", -2.0, 2.0, a[1]),
        "a3": slider("a₃", -2.0, 2.0, a[2]),
        "c": slider("mean shift c", -1.5, 1.5, shift),
    }
    return Explorer(
        fig, controls, update,
        alt=("3-D picture: an input vector a, the plane through the origin perpendicular to the all-ones "
             "direction, the projection of a onto that plane, the grey mean part mu times the all-ones "
             "vector (of length root 3 times the absolute mean), and the dotted drop from a to its "
             "projection, parallel to that mean part."),
        note="Drag the mean shift c: the black input slides parallel to the dashed 1 axis, the blue projection does not move.",
    )


def projection_frames(n: int = 24, a=(1.4, 0.2, -0.7)) -> list[dict[str, float]]:
    """Return frames for chapter 2's static player.

    First half: the mean shift ``c`` sweeps from −1.5 to 1.5 (only the input moves).
    Second half: the input turns about the 1 axis at a fixed mean (the projection turns with it).
    """
    n, a = as_frames(n), as_vector3(a, "a")
    half = n // 2
    a = np.asarray(a, dtype=float)
    c = np.concatenate([np.linspace(-1.5, 1.5, half), np.full(n - half, 0.8)])
    q = orthonormal_basis(np.ones(3))
    p = project(a)
    rad = float(np.linalg.norm(p))
    theta0 = np.arctan2(p @ q[1], p @ q[0])
    theta = theta0 + np.linspace(0.0, 2.0 * np.pi, n - half, endpoint=False)
    turned = np.mean(a) + rad * (np.cos(theta)[:, None] * q[0] + np.sin(theta)[:, None] * q[1])
    pts = np.concatenate([np.tile(a, (half, 1)), turned])
    return sweep(a1=pts[:, 0], a2=pts[:, 1], a3=pts[:, 2], c=c)
