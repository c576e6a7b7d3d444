r"""Chapter 3's pictures and explorer: the nonlinear scaling ``z ↦ √N z / √(|z|² + Nε)``.

Its image is the open ball of radius ``√N`` (the sphere itself when ``ε = 0``); an input of
variance ``σ²`` lands at the radial fraction ``r = 1/√(1 + ε/σ²)`` of the radius.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from .._checks import as_eps, as_real, as_scalar
from ..core import layer_norm, project, radial_fraction, scale
from ..explorer import Explorer, explorer_factory, log_slider, sweep
from ..plotting import COLORS, HIST_STYLE, LABELS, figure_2d, new_figure, orthonormal_basis
from ._args import as_frames, as_seed, as_size

#: The smallest positive float64: for arguments that must be > 0 (they divide or sit on a log axis).
_POSITIVE = float(np.finfo(float).tiny)

__all__ = [
    "EPS_MIN",
    "radial_fraction_curve",
    "radial_fraction_table",
    "sign_function_plot",
    "near_surface_histograms",
    "scaling_explorer",
    "scaling_frames",
]

#: The ε slider's left end; the explorer reads it as ε = 0 exactly.
EPS_MIN = 1e-5


def _r_of_ratio(ratio: np.ndarray) -> np.ndarray:
    """``r = 1/√(1 + 1/x)`` for ``x = σ²/ε`` (``x = ∞`` gives 1)."""
    return 1.0 / np.sqrt(1.0 + 1.0 / np.asarray(ratio, dtype=float))


def radial_fraction_curve():
    r"""Return a figure of ``r = 1/√(1 + ε/σ²)`` against ``σ²/ε`` on a log axis, with landmarks.

    Landmarks: ``σ² = ε`` (r = 1/√2), ``σ² = 49.25 ε`` (r = 0.99) and ``σ = 1, ε = 10⁻⁵``
    (r = 0.999995), the typical case in a transformer.
    """
    fig = new_figure(figsize=(7.0, 3.6))
    ax = fig.add_subplot()
    x = np.logspace(-3, 6, 400)
    ax.semilogx(x, _r_of_ratio(x), color=COLORS["scaled"], lw=2, label=r"$r = 1/\sqrt{1 + \varepsilon/\sigma^2}$")
    ax.axhline(1.0, color=COLORS["sphere"], ls="--", lw=1, label=r"the sphere, $r = 1$")
    for ratio, text in ((1.0, "σ² = ε\nr = 0.707"), (49.25, "σ² ≈ 49 ε\nr = 0.99"), (1e5, "σ = 1, ε = 1e-5\nr = 0.999995")):
        r = float(_r_of_ratio(ratio))
        ax.plot(ratio, r, "o", color=COLORS["output"], ms=6)
        ax.annotate(text, (ratio, r), xytext=(8, -30), textcoords="offset points", fontsize=8)
    ax.set_xlabel(r"input variance in units of $\varepsilon$: $\sigma^2/\varepsilon$ (log scale)")
    ax.set_ylabel(r"radial fraction $r$")
    ax.set_ylim(0, 1.08)
    ax.set_title("Outputs come within 1 % of the sphere once σ² exceeds about 49 ε")
    ax.legend(loc="upper left")
    return fig


def radial_fraction_table(sigmas=(1.0, 0.1, 0.022, 0.01, 0.00183), n: int = 768, eps: float = 1e-5, seed: int = 0):
    """Return an HTML table of ``r`` measured by LayerNorm on inputs of the given standard deviations.

    For each σ a seeded random input of width ``n`` is rescaled to have exactly that σ; the
    table lists σ, σ²/ε, the formula's ``r`` and the measured ``|scaled|/√N``. (HTML, not
    Markdown: the book renders Markdown outputs as CommonMark, which has no tables.)
    """
    if np.any(as_real(sigmas, "sigmas", ndim=1, min_size=1) <= 0):
        raise ValueError(f"sigmas must all be > 0 (σ²/ε is tabulated), got {sigmas!r:.60}")
    n, eps, seed = as_size(n, "n", low=2), as_scalar(eps, "eps", low=_POSITIVE), as_seed(seed)
    from IPython.display import HTML

    rng = np.random.default_rng(seed)
    head = ["σ", "σ²/ε", "r = 1/√(1 + ε/σ²)", "measured |scaled|/√N"]
    rows = []
    for s in sigmas:
        a = rng.normal(size=n)
        a = s * (a - a.mean()) / a.std() + 3.0  # exactly σ = s, mean 3 (irrelevant)
        measured = np.linalg.norm(scale(project(a), eps=eps)) / np.sqrt(n)
        rows.append([f"{s:g}", f"{s * s / eps:.4g}", f"{float(_r_of_ratio(s * s / eps)):.6f}", f"{measured:.6f}"])
    th = "".join(f'<th style="text-align:right;padding:0.1em 0.8em">{h}</th>' for h in head)
    body = "".join("<tr>" + "".join(f'<td style="text-align:right;padding:0.1em 0.8em">{c}</td>' for c in r) + "</tr>" for r in rows)
    return HTML(f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>")


def sign_function_plot(eps_values=(0.0, 1e-2, 1e-1, 1.0)):
    r"""Return a figure: for N = 2, ``LN(a)₁`` against ``a₁ − a₂`` for several ε.

    With N = 2, ``LN(a)₁ = d / √(d² + 4ε)`` for ``d = a₁ − a₂``: a smoothed sign function,
    the exact sign function when ε = 0.
    """
    if np.any(as_real(eps_values, "eps_values", ndim=1, min_size=1) < 0):
        raise ValueError(f"eps_values must all be >= 0, got {eps_values!r:.60}")
    fig = new_figure(figsize=(7.0, 3.6))
    ax = fig.add_subplot()
    d = np.linspace(-2.0, 2.0, 400)  # even count: d = 0 is not sampled (0/0 when ε = 0)
    a = np.stack([d, np.zeros_like(d)], axis=-1)
    colors = [COLORS["input"], COLORS["projected"], COLORS["scaled"], COLORS["output"]]
    for eps, color in zip(eps_values, colors):
        y = layer_norm(a, eps=eps)[:, 0]
        ax.plot(d, y, color=color, lw=2 if eps == 0 else 1.6, label=f"ε = {eps:g}")
    ax.set_xlabel(r"$a_1 - a_2$")
    ax.set_ylabel(r"first output $\mathrm{LN}(a)_1$")
    ax.set_title("N = 2: LayerNorm is the sign of a₁ − a₂, smoothed by ε")
    ax.legend(loc="upper left")
    return fig


def near_surface_histograms(widths=(3, 64, 768), eps: float = 1e-5, n_inputs: int = 4000, seed: int = 0):
    r"""Return small multiples: histograms of ``1 − r`` (log scale) for standard normal inputs.

    ``1 − r ≈ ε / (2σ²)``: at N = 3 the variance of a random input varies a lot and a few
    inputs sit deep inside; at N = 768 every input's σ² is close to 1 and ``1 − r ≈ 5·10⁻⁶``.
    """
    as_real(widths, "widths", ndim=1, min_size=1)
    widths = [as_size(w, f"widths[{k}]", low=2) for k, w in enumerate(widths)]
    eps, n_inputs, seed = as_eps(eps), as_size(n_inputs, "n_inputs"), as_seed(seed)
    if n_inputs * max(widths) > 50_000_000:
        raise ValueError(f"n_inputs * max(widths) must be <= 5e7 (each panel draws an (n_inputs, N) array), "
                         f"got {n_inputs} * {max(widths)}")
    rng = np.random.default_rng(seed)
    fig = new_figure(figsize=(9.6, 3.2))
    axes = fig.subplots(1, len(widths), sharex=True, squeeze=False)[0]  # one row, also for one width
    bins = np.linspace(-7, 0, 57)
    for ax, n in zip(axes, widths):
        r = radial_fraction(rng.normal(size=(n_inputs, n)), eps=eps)
        depth = np.log10(np.clip(1.0 - r, 1e-16, None))
        ax.hist(depth, bins=bins, color=COLORS["scaled"], **HIST_STYLE)
        deep = float(np.mean(r < 0.999))
        ax.set_title(f"N = {n}: {100 * deep:.1f}% have r < 0.999")
        ax.set_xlabel(r"$\log_{10}(1 - r)$: depth below the sphere")
    axes[0].set_ylabel(f"inputs (of {n_inputs})")
    fig.suptitle(f"Random inputs land just inside the sphere (ε = {eps:g}); wider layers, tighter")
    return fig


def _example_inputs(n_points: int, seed: int) -> np.ndarray:
    """Seeded projected inputs in R³ with radii spread over two decades (|Πa| from 0.03 to 3)."""
    rng = np.random.default_rng(seed)
    w = project(rng.normal(size=(n_points, 3)))
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    return w * np.logspace(-1.5, 0.5, n_points)[:, None]


@explorer_factory
def scaling_explorer(eps: float = 1e-2, input_scale: float = 0.3, n_points: int = 40, seed: int = 3) -> Explorer:
    r"""Return chapter 3's explorer: inputs in the plane ⟂ 1 (N = 3) and where the scaling sends them.

    Sliders: ``ε`` (log scale; its left end, :data:`EPS_MIN`, means ε = 0 exactly) and an
    input scale ``s`` multiplying a fixed cloud of inputs of many sizes. Left: the plane ⟂ 1
    seen face on, the circle of radius √3, the inputs ``Πa`` (blue) and their images (orange),
    joined radially. Right: every input's ``(σ²/ε, r)`` on the curve ``r = 1/√(1 + ε/σ²)``.
    """
    eps, input_scale = as_eps(eps), as_scalar(input_scale, "input_scale", low=_POSITIVE)
    n_points, seed = as_size(n_points, "n_points"), as_seed(seed)
    q = orthonormal_basis(np.ones(3))
    base = _example_inputs(n_points, seed)
    fig, (ax, axr) = figure_2d(2, figsize=(10.0, 4.6), equal=[True, False], width_ratios=[1, 1.15])
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.sqrt(3) * np.cos(t), np.sqrt(3) * np.sin(t), color=COLORS["sphere"], lw=1.6, label=r"circle of radius $\sqrt{3}$")
    links = LineCollection(np.zeros((n_points, 2, 2)), colors=COLORS["ones"], linewidths=0.6, alpha=0.7)
    ax.add_collection(links)
    inputs = ax.scatter(np.zeros(n_points), np.zeros(n_points), s=12, color=COLORS["projected"], label=LABELS["projected"], zorder=3)
    images = ax.scatter(np.zeros(n_points), np.zeros(n_points), s=16, color=COLORS["scaled"], label="scaled", zorder=4)
    ax.set_xlim(-2.2, 2.2)
    ax.set_ylim(-2.2, 2.2)
    ax.set_xlabel(r"coordinate along $q_1$ in the plane $\perp \mathbf{1}$")
    ax.set_ylabel(r"coordinate along $q_2$")
    ax.legend(loc="lower left", fontsize=7)

    x = np.logspace(-3, 5, 300)
    axr.semilogx(x, _r_of_ratio(x), color=COLORS["scaled"], lw=1.5, alpha=0.6)
    axr.axhline(1.0, color=COLORS["sphere"], ls="--", lw=1)
    dots = axr.scatter(np.ones(n_points), np.ones(n_points), s=14, color=COLORS["scaled"], zorder=3)
    axr.set_xlim(1e-3, 1e5)
    axr.set_ylim(0, 1.08)
    axr.set_xlabel(r"$\sigma^2/\varepsilon$ (log scale; at the right edge when $\varepsilon = 0$)")
    axr.set_ylabel(r"radial fraction $r$")

    def update(eps: float, s: float) -> None:
        e = 0.0 if eps <= EPS_MIN * (1 + 1e-9) else float(eps)
        z = s * base                                   # Πa, in R³
        y = scale(z, eps=e)                            # inputs are never 0, so ε = 0 is safe
        zp, yp = z @ q.T, y @ q.T                      # plane coordinates
        inputs.set_offsets(zp)
        images.set_offsets(yp)
        links.set_segments(np.stack([zp, yp], axis=1))
        r = np.linalg.norm(y, axis=1) / np.sqrt(3)
        var = np.sum(z * z, axis=1) / 3
        ratio = np.full(len(z), 1e5) if e == 0 else np.clip(var / e, 1e-3, 1e5)
        dots.set_offsets(np.column_stack([ratio, r]))
        label = "ε = 0 (left end)" if e == 0 else f"ε = {e:.1e}"
        ax.set_title(f"{label}: {int(np.sum(r > 0.99))} of {len(r)} points\nwithin 1% of the circle", fontsize=10)
        axr.set_title("each input's r depends on σ²/ε only")

    controls = {
        "eps": log_slider("ε (left end = 0)", np.log10(EPS_MIN), 1, eps),
        "s": log_slider("input scale s", -2, 1, input_scale),
    }
    return Explorer(
        fig, controls, update,
        alt=("Two panels. Left: the plane perpendicular to the all-ones direction seen face on, with the "
             "circle of radius root 3, a cloud of projected inputs of many sizes and the scaled points they "
             "are pulled or pushed to along rays. Right: each input's radial fraction r against its variance "
             "over epsilon, lying on the curve r = 1 over root of 1 + epsilon over sigma squared."),
        note="Drag ε to its left end (ε = 0): every orange point jumps onto the circle; raise ε and the small inputs sink inside.",
    )


def scaling_frames(n: int = 24) -> list[dict[str, float]]:
    """Return frames for chapter 3's static player: ε falls from 10 to its left end (ε = 0)."""
    n = as_frames(n)
    eps = np.logspace(1, np.log10(EPS_MIN), n)
    return sweep(eps=eps, s=np.full(n, 0.3))
