"""Chapter 6's pictures and explorers: how LayerNorm moves points, and how training moves the set."""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from .._checks import as_eps, as_real, as_scalar
from ..core import layer_norm, rms_norm
from ..dynamics import interpolate_parameters, iterate_layer_norm, line_outputs, pre_ln_residual, two_neuron_fold
from ..explorer import Explorer, explorer_factory, slider, sweep
from ..geometry import normal_space, principal_axes
from ..plotting import (
    COLORS,
    LABELS,
    curve_artist,
    ellipse_points,
    ellipsoid_wireframe,
    figure_2d,
    figure_3d,
    new_figure,
    orthonormal_basis,
    plane_patch,
    points_artist,
    update_curve,
    update_plane,
    update_points,
    update_wireframe,
    wireframe_artist,
)
from ._args import as_frames, as_seed, as_size, as_vector3
from .output_set import EXAMPLE_BIAS, EXAMPLE_GAIN, sample_inputs

__all__ = [
    "TRAINED_GAIN",
    "TRAINED_BIAS",
    "PERTURBATION_INPUT",
    "arc_explorer",
    "arc_frames",
    "arc_line",
    "training_explorer",
    "training_frames",
    "perturbation_figure",
    "fold_figure",
    "iteration_figure",
    "pre_ln_block_figure",
    "norm_contrast_figure",
]

#: "Trained-looking" gain and bias for N = 3: unequal gains, one small, and a visible bias.
TRAINED_GAIN = np.array([1.8, 0.35, 1.1])
TRAINED_BIAS = np.array([0.7, -0.5, 0.3])

#: The perturbation figure's input: mean 0.2 and σ = 1 exactly, so |Πa| = √3 (on the sphere).
PERTURBATION_INPUT = 0.2 + np.sqrt(1.5) * np.array([1.0, -1.0, 0.0])

_A = np.array([1.2, -0.3, 0.1])  # the line's anchor: Πa and Πv independent, so σ > 0 on the whole line


def _direction(theta: float) -> np.ndarray:
    q = orthonormal_basis(np.ones(3))
    return np.cos(theta) * q[0] + np.sin(theta) * q[1]


def arc_line(theta: float = 1.6) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(a, v)``: the arc explorer's line ``a + t v`` for direction ``θ`` (``v`` a unit vector in ``1⟂``)."""
    theta = as_scalar(theta, "theta")
    return _A.copy(), _direction(theta)


@explorer_factory
def arc_explorer(gain=EXAMPLE_GAIN, bias=EXAMPLE_BIAS) -> Explorer:
    r"""Return the chapter-6 explorer: a line ``a + t v`` of inputs and its image, an arc.

    Sliders: ``t ∈ [−4, 4]`` (the position on the line), the direction ``θ`` of ``v`` within
    ``1⟂`` (``θ ∈ [0.3, 2.8]`` keeps ``v`` away from ``Πa``, so the line never has zero
    variance) and ``ε ∈ [0, 0.5]``. The line (black, dashed) maps to an arc of the output
    ellipse (vermillion); the current input and output are marked.
    """
    as_vector3(gain, "gain"), as_vector3(bias, "bias")
    g, b = np.asarray(gain, float), np.asarray(bias, float)
    fig, ax = figure_3d(limit=3.6, figsize=(8.6, 5.6), elev=30, azim=-25)
    plane_patch(ax, normal_space(g)[0], b, half=3.4, label="output plane")
    curve_artist(ax, ellipse_points(g, b), COLORS["ellipsoid"], LABELS["ellipsoid"], lw=1.6)
    line = curve_artist(ax, np.zeros((2, 3)), COLORS["input"], r"inputs $a + t v$", ls="--", lw=1.2)
    arc = curve_artist(ax, np.zeros((2, 3)), COLORS["output"], r"outputs $\mathrm{LN}(a + t v)$", lw=3)
    x_now = points_artist(ax, np.zeros(3), COLORS["input"], None, size=7, alpha=1)
    y_now = points_artist(ax, np.zeros(3), COLORS["output"], None, size=8, alpha=1)
    fig.legend(loc="outside right center")
    ts = np.linspace(-4, 4, 161)

    def update(t, theta, eps):
        v = _direction(theta)
        update_curve(line, _A + ts[:, None] * v)
        update_curve(arc, line_outputs(_A, v, ts, g, b, eps))
        update_points(x_now, _A + t * v)
        y = layer_norm(_A + t * v, g, b, eps=eps)
        update_points(y_now, y)
        ax.set_title(f"A straight line of inputs becomes an arc of the ellipse (t = {t:+.2f})")

    controls = {
        "t": slider("t", -4.0, 4.0, -1.5),
        "theta": slider("direction θ", 0.3, 2.8, 1.6),
        "eps": slider("ε", 0.0, 0.5, 0.01, step=0.0025, readout_format=".4f"),
    }
    return Explorer(
        fig, controls, update,
        alt=("3-D picture: a dashed straight line of inputs crossing space, the tilted output plane "
             "with its ellipse, and the image of the line: an arc along the ellipse (for t from −4 to 4, most of one half of it), with the "
             "current input and output marked."),
        note="Slide t from −4 to 4: the input runs along this stretch of the line, the output along "
             "most of one half of the ellipse, slowing down towards both ends; raise ε and the arc "
             "sinks inside where the line passes near the 1 axis.",
    )


def arc_frames(n: int = 24) -> list[dict[str, float]]:
    """Return frames for chapter 6's line-to-arc player: ``t`` from −4 to 4."""
    n = as_frames(n)
    return sweep(t=np.linspace(-4.0, 4.0, n))


@explorer_factory
def training_explorer(gain=TRAINED_GAIN, bias=TRAINED_BIAS) -> Explorer:
    r"""Return the explorer of "gain and bias reshape the set": ``(g(t), b(t))`` from ``(1, 0)`` to trained-looking values.

    Controls: ``t ∈ [0, 1]`` on the path ``g(t) = (1 − t)1 + t g``, ``b(t) = t b``
    (:func:`lngeo.dynamics.interpolate_parameters`), ``ε ∈ [0, 0.5]``, and a checkbox
    *projection*: on, LayerNorm (outputs on the ellipse in the plane); off, RMSNorm (no
    projection, no plane: its outputs may lie anywhere on the 3-D ellipsoid's surface, and these
    mean-dominated inputs gather near ``b(t) ± g(t)``).

    The path is a straight interpolation, not training: gradient descent on ``(g, b)``
    (:func:`lngeo.backward.fit_gain_bias`) follows a different, curved path.
    """
    inputs = sample_inputs(200, seed=11)
    fig, ax = figure_3d(limit=3.6, figsize=(8.6, 5.6), elev=25, azim=35)
    g0, b0 = interpolate_parameters(0.0, gain, bias)
    plane = plane_patch(ax, np.ones(3), b0, half=3.4, label="output plane (LayerNorm only)")
    wire = wireframe_artist(ax, ellipsoid_wireframe(np.sqrt(3) * g0, b0), label=r"ellipsoid $\sqrt{N}|g(t)|$")
    ellipse = curve_artist(ax, ellipse_points(g0, b0), COLORS["ellipsoid"], LABELS["ellipsoid"], lw=2.2)
    pts = points_artist(ax, layer_norm(inputs, g0, b0), COLORS["output"], "outputs", size=2.5)
    fig.legend(loc="outside right center")

    def update(t, eps, projection):
        g, b = interpolate_parameters(t, gain, bias)
        update_wireframe(wire, ellipsoid_wireframe(np.sqrt(3) * g, b))
        if projection:
            update_plane(plane, normal_space(g)[0], b, half=3.4)
            update_curve(ellipse, ellipse_points(g, b))
            update_points(pts, layer_norm(inputs, g, b, eps=eps))
            s = principal_axes(g)[0]
            ax.set_title(f"LayerNorm, t = {t:.2f}: semi-axes {s[0]:.2f}, {s[1]:.2f}; plane normal ∝ 1/g(t)")
        else:
            update_points(pts, rms_norm(inputs, g, b, eps=eps))
            ax.set_title(f"RMSNorm, t = {t:.2f}: no plane; mean-dominated inputs land near b ± g")
        plane.set_visible(bool(projection))
        ellipse.set_visible(bool(projection))

    controls = {
        "t": slider("path t", 0.0, 1.0, 0.0),
        "eps": slider("ε", 0.0, 0.5, 0.01, step=0.0025, readout_format=".4f"),
        "projection": ipw.Checkbox(value=True, description="projection (LayerNorm; off = RMSNorm)", indent=False),
    }
    return Explorer(
        fig, controls, update,
        alt=("3-D picture of an output set along a straight path of gain and bias (an interpolation, "
             "not training): at t = 0 a circle of radius root-3 in the plane perpendicular to the "
             "all-ones direction; as t grows the plane tilts and moves with the bias and the circle "
             "stretches into an ellipse; with the projection switched off (RMSNorm) there is no plane, "
             "and the outputs of these mean-dominated inputs gather in two clusters near b plus and "
             "minus g on the 3-D ellipsoid."),
        note="Slide t from 0 to 1 and watch the circle ⟂ 1 stretch, tilt and move; then untick "
             "projection: without it the outputs leave the plane, and inputs dominated by their mean "
             "gather near b ± g.",
    )


def training_frames(n: int = 20) -> list[dict[str, float]]:
    """Return frames for the training player: ``t`` from 0 to 1 with the projection on."""
    n = as_frames(n)
    return sweep(t=np.linspace(0.0, 1.0, n))


def norm_contrast_figure(gain=TRAINED_GAIN, bias=TRAINED_BIAS, eps: float = 0.01):
    """Return two 3-D panels with the same gain, bias and inputs: LayerNorm's set and RMSNorm's.

    The inputs (:func:`~lngeo.widgets.output_set.sample_inputs`) are ``m 1 + σ x``, mostly
    dominated by their mean ``m``. LayerNorm removes that common mode and spreads them round
    the flat ellipse; RMSNorm keeps it, ``a/rms(a) ≈ sign(m) 1``, so they gather in two
    clusters near ``b ± g`` (marked ×), the rest scattered over the 3-D ellipsoid's surface.
    """
    inputs = sample_inputs(300, seed=11)
    g, b = np.asarray(gain, float), np.asarray(bias, float)
    fig = new_figure(figsize=(10.0, 4.8))
    for k, (title, y) in enumerate((
        ("LayerNorm: a flat ellipse (hyperplane ∩ ellipsoid)", layer_norm(inputs, g, b, eps=eps)),
        ("RMSNorm keeps the mean: two clusters near b ± g (×)", rms_norm(inputs, g, b, eps=eps)),
    )):
        ax = fig.add_subplot(1, 2, k + 1, projection="3d")
        ax.set_xlim(-3.6, 3.6), ax.set_ylim(-3.6, 3.6), ax.set_zlim(-3.6, 3.6)
        ax.set_box_aspect((1, 1, 1))
        ax.view_init(elev=25, azim=35)
        ax.set_xlabel("neuron 1"), ax.set_ylabel("neuron 2"), ax.set_zlabel("neuron 3")
        wireframe_artist(ax, ellipsoid_wireframe(np.sqrt(3) * g, b))
        if k == 0:
            plane_patch(ax, normal_space(g)[0], b, half=3.4)
            curve_artist(ax, ellipse_points(g, b), COLORS["ellipsoid"], None, lw=2)
        points_artist(ax, y, COLORS["output"], None, size=2.5)
        if k == 1:
            ends = np.stack([b + g, b - g])
            ax.plot(ends[:, 0], ends[:, 1], ends[:, 2], "x", color=COLORS["input"], ms=11, mew=2.5)
        ax.set_title(title)
    return fig


def perturbation_figure(a=PERTURBATION_INPUT, radius: float = 0.35, eps: float = 0.01, n: int = 400, seed: int = 0):
    r"""Return two panels: a round cloud of inputs around ``a`` and its image, a thin arc.

    Left: the inputs ``a + δ`` (``|δ| ≤ radius``) seen in the plane ``1⟂`` (coordinates
    ``q_i·Π(a + δ)``), with the circle of radius √3; the default ``a`` has ``σ = 1``, so ``Πa``
    lies on that circle. Right: the outputs in the principal-axis frame
    of the output ellipse (``u_k·(y − b)``), with the ellipse. The cloud is squeezed onto the
    boundary: it moves *along* the surface, hardly *across* it.
    """
    a, radius, eps = as_vector3(a, "a"), as_scalar(radius, "radius", low=0.0), as_eps(eps)
    n, seed = as_size(n, "n"), as_seed(seed)
    rng = np.random.default_rng(seed)
    a = np.asarray(a, float)
    d = rng.normal(size=(n, 3))
    d *= radius * rng.uniform(0, 1, (n, 1)) ** (1 / 3) / np.linalg.norm(d, axis=1, keepdims=True)
    x = a + d
    q = orthonormal_basis(np.ones(3))
    g, b = EXAMPLE_GAIN, EXAMPLE_BIAS
    s, u = principal_axes(g)
    y = layer_norm(x, g, b, eps=eps)
    fig, (ax1, ax2) = figure_2d(ncols=2, figsize=(10.0, 4.6))
    t = np.linspace(0, 2 * np.pi, 200)
    ax1.plot(np.sqrt(3) * np.cos(t), np.sqrt(3) * np.sin(t), color=COLORS["sphere"], lw=1.2, label=LABELS["sphere"])
    p = (x - x.mean(axis=1, keepdims=True)) @ q.T
    ax1.plot(p[:, 0], p[:, 1], "o", ms=2, color=COLORS["projected"], alpha=0.6, label=r"inputs $\Pi(a + \delta)$")
    ax1.set_title("Inputs: a round cloud (seen in the plane ⊥ 1)")
    ax1.set_xlabel("$q_1 \\cdot \\Pi(a + \\delta)$"), ax1.set_ylabel("$q_2 \\cdot \\Pi(a + \\delta)$")
    ax1.legend(loc="lower left")
    ax2.plot(s[0] * np.cos(t), s[1] * np.sin(t), color=COLORS["ellipsoid"], lw=1.2, label=LABELS["ellipsoid"])
    c = (y - b) @ u.T
    ax2.plot(c[:, 0], c[:, 1], "o", ms=2, color=COLORS["output"], alpha=0.6, label=LABELS["output"])
    ax2.set_title("Outputs: a thin arc on the ellipse, not a blob")
    ax2.set_xlabel("$u_1 \\cdot (y - b)$"), ax2.set_ylabel("$u_2 \\cdot (y - b)$")
    ax2.legend(loc="lower left")
    for ax in (ax1, ax2):
        ax.set_xlim(-2.8, 2.8), ax.set_ylim(-2.8, 2.8)
    return fig


def fold_figure(eps_values=(0.0, 1e-3, 1e-2, 1e-1, 1.0)):
    r"""Return two panels on ``N = 2``: ``LN(a)₁ = d/√(d² + 4ε)`` against ``d = a₁ − a₂``, and the input plane.

    Left: one curve per ``ε`` — a sigmoid of width ``2√ε``, a step when ``ε = 0``. Right: the
    input plane coloured by ``LN(a)₁`` for ``ε = 0.01``: constant along every line parallel to
    ``1`` (each collapses to one output point), flipping across the diagonal ``a₁ = a₂``.
    """
    if np.any(as_real(eps_values, "eps_values", ndim=1, min_size=1) < 0):
        raise ValueError(f"eps_values must all be >= 0, got {eps_values!r:.60}")
    fig, (ax1, ax2) = figure_2d(ncols=2, figsize=(10.0, 4.2), equal=[False, True])
    d = np.linspace(-2, 2, 801)
    d = d[d != 0]
    shades = np.linspace(0.15, 0.85, len(eps_values))
    for e, shade in zip(eps_values, shades):
        ax1.plot(d, two_neuron_fold(d, e), color=(shade * 0.9, shade * 0.45, 0.0), lw=1.6, label=f"ε = {e:g}")
    ax1.set_xlabel("$a_1 - a_2$")
    ax1.set_ylabel(r"$\mathrm{LN}(a)_1$  (unit gain)")
    ax1.set_title("N = 2: LayerNorm is a sigmoid of a₁ − a₂,\na sign when ε = 0", fontsize=10)
    ax1.legend(loc="upper left")
    grid = np.linspace(-2, 2, 201)
    A1, A2 = np.meshgrid(grid, grid)
    Z = two_neuron_fold(A1 - A2, 0.01)
    im = ax2.imshow(Z, extent=(-2, 2, -2, 2), origin="lower", cmap="PuOr", vmin=-1, vmax=1)
    ax2.plot([-2, 2], [-2, 2], color=COLORS["ones"], ls="--", lw=1, label=r"direction $\mathbf{1}$")
    fig.colorbar(im, ax=ax2, label=r"$\mathrm{LN}(a)_1$, ε = 0.01")
    ax2.set_xlabel("$a_1$"), ax2.set_ylabel("$a_2$")
    ax2.set_title("Constant along each line parallel to 1:\nevery such line is one output", fontsize=10)
    ax2.legend(loc="upper left")
    return fig


def iteration_figure(n: int = 64, layers: int = 12, seed: int = 0):
    r"""Return two panels: repeated LayerNorm, and a pre-LN residual stream.

    Left: ``|LN^{k+1}(a) − LN^k(a)|`` against ``k`` for unit gain/zero bias (the second
    application moves the point by an ``ε``-sized amount) and for a learned-looking gain and
    bias (it moves by order 1). Right: the stream ``x_{ℓ+1} = x_ℓ + W_ℓ tanh(LN(x_ℓ))`` grows,
    while the normalised radius of every ``LN(x_ℓ)`` stays at ``r ≈ 1``. For simplicity the
    sketch reuses one gain and bias in every block; a real model has one LayerNorm, and one
    output ellipsoid, per block.
    """
    n, layers, seed = as_size(n, "n", low=2), as_size(layers, "layers"), as_seed(seed)
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n) * 2 + 1
    g, b = rng.normal(1, 0.5, n), rng.normal(0, 0.5, n)
    fig, (ax1, ax2) = figure_2d(ncols=2, figsize=(10.0, 4.0), equal=False)
    for label, gg, bb, color in (("g = 1, b = 0", None, None, COLORS["projected"]),
                                 ("learned-looking g, b", g, b, COLORS["output"])):
        ys = iterate_layer_norm(a, gg, bb, eps=1e-5, steps=8)
        steps = np.linalg.norm(np.diff(ys[1:], axis=0), axis=1)
        ax1.semilogy(np.arange(1, 8), np.maximum(steps, 1e-17), "o-", color=color, label=label)
    ax1.set_xlabel("k")
    ax1.set_ylabel(r"$|\mathrm{LN}^{k+1}(a) - \mathrm{LN}^{k}(a)|$")
    ax1.set_title("Re-applying LN: an ε-sized move for g = 1, b = 0;\norder 1 for a learned-looking g, b", fontsize=10)
    ax1.legend()
    weights = [rng.normal(size=(n, n)) / np.sqrt(n) for _ in range(layers)]
    xs, ys = pre_ln_residual(rng.normal(size=n), weights, g, b, eps=1e-5)
    from ..geometry import slice_coordinates

    radius = np.sqrt(np.sum(slice_coordinates(ys, g, b) ** 2, axis=1))
    ell = np.arange(layers + 1)
    ax2.plot(ell, np.linalg.norm(xs, axis=1), "o-", color=COLORS["input"], label=r"stream size $|x_\ell|$")
    ax2.plot(ell[:-1], radius * np.sqrt(n), "s-", color=COLORS["output"], label=r"$\sqrt{N}\, r$ of $\mathrm{LN}(x_\ell)$")
    ax2.set_xlabel(r"layer $\ell$")
    ax2.set_ylabel("length")
    ax2.set_title("The stream grows; LN(x) stays at radius r ≈ 1", fontsize=10)
    ax2.legend()
    return fig


def pre_ln_block_figure():
    """Return a diagram of a pre-LN residual block: ``x → LN → f → (+) → x + f(LN(x))``."""
    fig = new_figure(figsize=(8.0, 2.2))
    ax = fig.add_subplot()
    ax.set_xlim(0, 10), ax.set_ylim(0, 3)
    ax.set_axis_off()
    ax.set_aspect("equal")
    box = {"boxstyle": "round,pad=0.4", "lw": 1.2}
    ax.annotate("", xy=(9.3, 0.8), xytext=(0.4, 0.8), arrowprops={"arrowstyle": "->", "lw": 1.6, "color": COLORS["input"]})
    ax.text(0.2, 0.35, r"$x_\ell$", fontsize=12)
    ax.text(9.0, 0.3, r"$x_{\ell+1}$", fontsize=12)
    ax.annotate("", xy=(2.6, 2.2), xytext=(1.6, 0.8), arrowprops={"arrowstyle": "->", "lw": 1.2})
    ax.text(3.2, 2.2, "LN", ha="center", va="center", fontsize=11, bbox={**box, "fc": "#f4e6ef", "ec": COLORS["ellipsoid"]})
    ax.annotate("", xy=(4.9, 2.2), xytext=(3.8, 2.2), arrowprops={"arrowstyle": "->", "lw": 1.2})
    ax.text(5.7, 2.2, "f (attention / MLP)", ha="left", va="center", fontsize=10, bbox={**box, "fc": "#e6f1f8", "ec": COLORS["projected"]})
    ax.annotate("", xy=(7.6, 0.95), xytext=(8.2, 1.9), arrowprops={"arrowstyle": "->", "lw": 1.2})
    ax.text(7.5, 0.8, "+", ha="center", va="center", fontsize=14, bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": COLORS["input"]})
    ax.set_title("Pre-LN block: the stream carries x; the block sees only LN(x), a point of the output set")
    return fig
