"""Chapter 7's pictures and explorer: every LayerNorm of a trained transformer (all-MiniLM-L6-v2)."""

from __future__ import annotations

import ipywidgets as ipw
import numpy as np

from .._checks import as_choice, as_real, as_scalar
from ..explorer import Explorer, explorer_factory
from ..geometry import interlacing_bounds, semi_axes
from ..model_geometry import (
    corpus_axes,
    corpus_encoding,
    random_share_quantiles,
    share_along_ones,
    short_name,
    surface_gap,
)
from ..plotting import COLORS, figure_2d

__all__ = [
    "label_layout",
    "real_model_explorer",
    "real_model_frames",
    "spectrum_figure",
    "real_inputs_figure",
    "gains_figure",
    "figure_html",
    "spectrum_alt",
    "gains_alt",
    "real_inputs_alt",
]

#: How many tokens of the chosen sentence get a text label (those farthest from the centre).
N_LABELS = 4
#: Labels sit at least this far from the centre (a ring around the crowd), on a leader line.
LABEL_RING = 0.62
#: Smallest angle between two labels, in degrees, so that no two labels overlap.
LABEL_SEPARATION = 32.0


def label_layout(points: np.ndarray, ring: float = LABEL_RING, min_sep: float = LABEL_SEPARATION) -> np.ndarray:
    """Return where to write the labels of ``points`` (shape (K, 2)): shape (K, 2), apart and outside.

    Label ``k`` goes in the direction of its point, at radius ``max(ring, |p_k| + 0.1)``; the
    directions are then spread so that consecutive labels are at least ``min_sep`` degrees apart
    (keeping their mean direction), so labels of a crowd near the centre fan out around it.

    Examples
    --------
    >>> xy = label_layout(np.array([[0.01, 0.0], [0.011, 0.001], [0.9, 0.0]]))
    >>> bool(np.all(np.hypot(*xy.T) >= LABEL_RING - 1e-12))
    True
    >>> ang = np.sort(np.degrees(np.arctan2(xy[:, 1], xy[:, 0])))
    >>> bool(np.all(np.diff(ang) >= LABEL_SEPARATION - 1e-9))
    True
    """
    arr = as_real(points, "points")
    if arr.size % 2:
        raise ValueError(f"points must have shape (K, 2), got shape {arr.shape}")
    ring, min_sep = as_scalar(ring, "ring", low=0.0), as_scalar(min_sep, "min_sep", low=0.0)
    pts = np.asarray(arr, dtype=float).reshape(-1, 2)
    if len(pts) == 0:
        return pts.copy()
    r = np.hypot(pts[:, 0], pts[:, 1])
    ang = np.degrees(np.arctan2(pts[:, 1], pts[:, 0]))
    order = np.argsort(ang)
    a = ang[order]
    spread = a.copy()
    for k in range(1, len(a)):  # push each label at least min_sep past the previous one
        spread[k] = max(a[k], spread[k - 1] + min_sep)
    spread -= np.mean(spread - a) * (len(a) > 1)  # re-centre: same mean direction as the points
    for k in range(1, len(a)):  # re-centring may have closed a gap at the start; reopen it
        spread[k] = max(spread[k], spread[k - 1] + min_sep)
    out_ang = np.empty_like(ang)
    out_ang[order] = spread
    rho = np.maximum(ring, r + 0.1)
    t = np.radians(out_ang)
    return np.column_stack([rho * np.cos(t), rho * np.sin(t)])


def _layernorms():
    from ..models import load_layernorms

    return load_layernorms()


def _layer_names(names, lns) -> tuple:
    """Check ``names``: a non-empty list or tuple of the model's LayerNorm names."""
    if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple)) or not names:
        raise TypeError(f"names must be a non-empty list of LayerNorm names, got {names!r:.60}")
    return tuple(as_choice(n, f"names[{k}]", list(lns)) for k, n in enumerate(names))


def _int_slider(description: str, lo: int, hi: int, value: int) -> ipw.IntSlider:
    return ipw.IntSlider(
        value=value, min=lo, max=hi, step=1, description=description, continuous_update=True,
        style={"description_width": "7em"}, layout=ipw.Layout(width="26em"),
    )


def _tex_power(x: float) -> str:
    """``1e-12`` as TeX ``10^{-12}`` (a mantissa other than 1 is kept: ``2\\cdot10^{-5}``)."""
    mantissa, exponent = f"{x:.0e}".split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa}\cdot{power}"


def _clip(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


_CHARMAP: set | None = None


def _drawable(text: str) -> str:
    """Replace characters the book's font (DejaVu Sans) cannot draw by '□', so matplotlib stays quiet."""
    global _CHARMAP
    if _CHARMAP is None:
        from matplotlib import font_manager, ft2font

        _CHARMAP = set(ft2font.FT2Font(font_manager.findfont("DejaVu Sans")).get_charmap())
    return "".join(c if ord(c) in _CHARMAP else "□" for c in text)


@explorer_factory
def real_model_explorer(layer: int = 3, sentence: int = 0) -> Explorer:
    r"""Return the chapter-7 explorer: where one sentence's tokens land in one LayerNorm's output set.

    Controls: ``layer`` (0–12: the 13 LayerNorms in network order) and ``sentence`` (0–40,
    the corpus of :func:`lngeo.models.load_sentences`). Left panel: each token's
    coordinates ``(c₁, c₂)``, ``c_k = u_k·(y − b)/s_k``, along the set's two longest principal
    axes — scaled so that the set's shadow on this plane is the unit disc; grey dots are
    every token of the corpus, vermillion the chosen sentence's; the ``N_LABELS`` farthest out
    are labelled on leader lines, fanned out by ``label_layout`` so labels never overlap.
    Right panel: the radius in that plane, ``√(c₁² + c₂²)``, against the radius in the
    other 381 directions, ``√(r² − c₁² − c₂²)``: every token sits on the unit quarter circle
    to drawing precision (``1 − r`` is at most about 2e-10 here), i.e. just inside the surface of
    the output ellipsoid.

    The corpus is encoded once and every layer's axes are computed once
    (:func:`lngeo.model_geometry.corpus_axes`); a slider move only moves artists.
    """
    run = corpus_encoding()
    data = corpus_axes()
    names = list(data)
    starts = np.concatenate([[0], np.cumsum(run.mask.sum(axis=1))])
    theta = np.linspace(0.0, 2.0 * np.pi, 241)

    fig, (ax1, ax2) = figure_2d(ncols=2, figsize=(9.4, 4.7))
    for ax in (ax1, ax2):
        ax.plot(np.cos(theta), np.sin(theta), color=COLORS["ellipsoid"], lw=1.6,
                label="boundary of the output set")
        ax.axhline(0, color=COLORS["ones"], lw=0.4)
        ax.axvline(0, color=COLORS["ones"], lw=0.4)
    ax1.set_xlabel(r"$c_1 = u_1\cdot(y-b)/s_1$")
    ax1.set_ylabel(r"$c_2 = u_2\cdot(y-b)/s_2$")
    ax1.set_xlim(-1.12, 1.12), ax1.set_ylim(-1.12, 1.12)
    ax1.set_xticks([-1, -0.5, 0, 0.5, 1]), ax1.set_yticks([-1, -0.5, 0, 0.5, 1])
    ax2.set_xlim(-0.03, 1.12), ax2.set_ylim(-0.03, 1.12)
    ax2.set_xlabel(r"radius along $u_1, u_2$: $\sqrt{c_1^2 + c_2^2}$")
    ax2.set_ylabel(r"radius along the other 381 axes")
    ax2.set_title("Every token just inside the surface: $r^2 = \\sigma^2/(\\sigma^2 + \\varepsilon)$")
    (corpus1,) = ax1.plot([], [], "o", ms=2.2, color=COLORS["ones"], alpha=0.35, label="all 833 corpus tokens")
    (corpus2,) = ax2.plot([], [], "o", ms=2.2, color=COLORS["ones"], alpha=0.35)
    (chosen1,) = ax1.plot([], [], "o", ms=5.5, color=COLORS["output"], label="this sentence's tokens")
    (chosen2,) = ax2.plot([], [], "o", ms=5.5, color=COLORS["output"])
    labels = [ax1.text(0, 0, "", fontsize=8, color=COLORS["input"], va="center") for _ in range(N_LABELS)]
    # One leader line per label (no NaN separators: every drawn coordinate stays finite).
    leaders = [ax1.plot([], [], color=COLORS["input"], lw=0.6, alpha=0.7)[0] for _ in range(N_LABELS)]
    ax1.legend(loc="lower left", fontsize=7)
    suptitle = fig.suptitle(" ")

    def split_radius(coords, rho2):
        inner = np.hypot(coords[:, 0], coords[:, 1])
        return inner, np.sqrt(np.clip(rho2 - inner**2, 0.0, None))

    def update(layer, sentence):
        i, j = int(layer), int(sentence)
        name = names[i]
        s, _, coords, rho2 = data[name]
        inner, rest = split_radius(coords, rho2)
        corpus1.set_data(coords[:, 0], coords[:, 1])
        corpus2.set_data(inner, rest)
        rows = slice(starts[j], starts[j + 1])
        c, r_in, r_out = coords[rows], inner[rows], rest[rows]
        chosen1.set_data(c[:, 0], c[:, 1])
        chosen2.set_data(r_in, r_out)
        tokens = run.tokens[j]
        far = np.argsort(-r_in)[:N_LABELS]
        where = label_layout(c[far, :2])
        for k, (label, leader) in enumerate(zip(labels, leaders)):
            if k < far.size:
                x, y = where[k]
                leader.set_data([c[far[k], 0], x], [c[far[k], 1], y])
                label.set_position((x + (0.02 if x >= 0 else -0.02), y))
                label.set_horizontalalignment("left" if x >= 0 else "right")
                label.set_text(_drawable(tokens[far[k]]))
            else:
                label.set_text("")
                leader.set_data([], [])
        ax1.set_title(f"LayerNorm '{short_name(name)}': longest axes $s_1$ = {s[0]:.1f}, $s_2$ = {s[1]:.1f}")
        suptitle.set_text(_drawable(f"Sentence {j}: “{_clip(run.sentences[j])}” ({len(tokens)} tokens)"))
        # Always redraw the same set of artists, so the live view's cached background is reused.
        for artist in (corpus1, corpus2, chosen1, chosen2, *leaders, *labels, suptitle, ax1.title):
            artist.stale = True

    controls = {
        "layer": _int_slider("LayerNorm", 0, len(names) - 1, layer),
        "sentence": _int_slider("sentence", 0, len(run.sentences) - 1, sentence),
    }
    return Explorer(
        fig, controls, update,
        alt=("Two panels for one LayerNorm of all-MiniLM-L6-v2 and one sentence. Left: the tokens' "
             "coordinates along the output set's two longest principal axes, scaled so the set's "
             "boundary is the unit circle; grey dots are all corpus tokens, orange dots the "
             "sentence's tokens, the four farthest from the centre labelled on leader lines. Right: each token's radius in that "
             "plane against its radius in the other 381 directions; every dot lies on the unit "
             "quarter circle to drawing precision: just inside the surface of the output ellipsoid."),
        note=("Step the LayerNorm slider: after attention in layers 0–3 (positions 1, 3, 5, 7) the "
              "[CLS] token sits on the rim along u₁; after each MLP every token is back near the "
              "centre of the left panel — yet on the right every token stays on the circle."),
    )


def real_model_frames() -> list[dict[str, float]]:
    """Return frames for chapter 7's static player: the 13 LayerNorms in network order."""
    return [{"layer": i} for i in range(13)]


# ------------------------------------------------------------------------------------------
# Static figures
# ------------------------------------------------------------------------------------------


def spectrum_figure(names=None):
    r"""Return small multiples: the semi-axes ``s_k`` of each named LayerNorm, with interlacing bands.

    Each panel: ``s_k`` in descending order (log scale), the band
    ``√N|g|_(k) ≤ s_(k) ≤ √N|g|_(k+1)`` of :func:`~lngeo.geometry.interlacing_bounds` shaded,
    and the initial sphere's semi-axes ``s_k = √N`` dashed.
    """
    from ..plotting import new_figure

    lns = _layernorms()
    names = SPECTRUM_NAMES if names is None else _layer_names(names, lns)
    fig = new_figure(figsize=(8.6, 7.0))
    axes = fig.subplots(2, (len(names) + 1) // 2, squeeze=False).ravel()
    for ax in axes[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes, names):
        g = lns[name].gain
        n = g.size
        s = semi_axes(g)
        lo, hi = interlacing_bounds(g)
        k = np.arange(1, n)
        gains = np.sort(np.abs(g))[::-1] * np.sqrt(n)
        ax.plot(np.arange(1, n + 1), gains, color=COLORS["ones"], lw=5, alpha=0.45,
                label=r"$\sqrt{N}|g_n|$ sorted: the bounds of each $s_k$")
        ax.plot(k, s, color=COLORS["ellipsoid"], lw=1.4, label=r"trained semi-axes $s_k$")
        ax.axhline(np.sqrt(n), color=COLORS["sphere"], ls="--", lw=1.2, label=r"initial: every $s_k = \sqrt{N}$")
        ax.set_yscale("log")
        ax.set_xlabel("k (longest first)")
        inside = bool(np.all((lo <= s) & (s <= hi)))
        ax.set_title(f"'{short_name(name)}': {s[0]:.1f} down to {s[-1]:.2g}\n"
                     f"every $s_k$ in its interval: {inside}", fontsize=9)
        if s[-1] < 1e-3:
            ax.annotate(f"2 semi-axes collapse:\n{s[-2]:.1e}, {s[-1]:.1e}", (n - 1, s[-1]), xytext=(0.1, 0.25),
                        textcoords="axes fraction", fontsize=8, arrowprops={"arrowstyle": "->", "lw": 0.8})
        else:
            ticks = [t for t in (3, 5, 7, 10, 15, 20, 30) if 0.9 * s[-1] <= t <= 1.1 * max(s[0], np.sqrt(n))]
            ax.set_yticks(ticks, [str(t) for t in ticks])
            ax.minorticks_off()
    for ax in axes[:: max(1, (len(names) + 1) // 2)]:
        ax.set_ylabel("semi-axis length (log scale)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3)
    fig.suptitle("Training turned the sphere (every semi-axis √384 = 19.6)\ninto ellipsoids pinned between the sorted gains")
    return fig


def gains_figure(name: str = "encoder.layer.5.output.LayerNorm"):
    r"""Return two panels on the last LayerNorm's gains: all ``|g_n|`` sorted (log), and ``|g_n|`` against the input's spread per neuron.

    The second panel shows why the three near-zero gains matter: they sit on the residual
    stream's three outlier neurons, whose inputs vary far more than a typical neuron's
    (:func:`gains_alt` states by how much).
    """
    lns = _layernorms()
    name = as_choice(name, "name", list(lns))
    run = corpus_encoding()
    g = lns[name].gain
    a = run.layernorm_inputs[name]
    spread = a.std(axis=0)
    fig, (ax1, ax2) = figure_2d(ncols=2, figsize=(9.0, 3.9), equal=False)
    order = np.sort(np.abs(g))
    ax1.semilogy(np.arange(1, g.size + 1), order, "o", ms=2.5, color=COLORS["ellipsoid"])
    ax1.set_xlabel("neurons, sorted by |g_n|")
    ax1.set_ylabel(r"$|g_n|$ (log scale)")
    ax1.set_title(f"'{short_name(name)}': three gains are ~0 (|g| = {order[0]:.0e}, {order[1]:.0e}, {order[2]:.0e})", fontsize=9)
    dead = np.argsort(np.abs(g))[:3]
    ax2.loglog(spread, np.abs(g), "o", ms=2.5, color=COLORS["ones"], alpha=0.6, label="other neurons")
    ax2.loglog(spread[dead], np.abs(g[dead]), "o", ms=6, color=COLORS["output"], label="the three near-zero gains")
    for m, n in enumerate(dead):
        ax2.annotate(f"neuron {n}", (spread[n], abs(g[n])), textcoords="offset points",
                     xytext=(-70, 10 + 12 * (m % 2) if abs(g[n]) < 1e-20 else 4), fontsize=8)
    ax2.set_xlabel("std of the neuron's input over the corpus (log)")
    ax2.set_ylabel(r"$|g_n|$ (log scale)")
    ax2.set_title("…and they sit on the three outlier neurons", fontsize=9)
    ax2.legend(loc="center left")
    return fig


def real_inputs_figure():
    r"""Return two panels over the 13 LayerNorms and all corpus tokens.

    Left: ``1 − r`` (log scale) per token, from :func:`~lngeo.model_geometry.surface_gap`
    with ``ε = 1e-12``. Right: the share of each input along ``1``,
    :func:`~lngeo.model_geometry.share_along_ones`, with the median and 95th percentile for a
    random direction in ``R^384`` (:func:`~lngeo.model_geometry.random_share_quantiles`).
    """
    run = corpus_encoding()
    lns = _layernorms()
    names = list(lns)
    from ..plotting import new_figure

    rng = np.random.default_rng(7)
    fig = new_figure(figsize=(8.6, 7.4))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    for i, name in enumerate(names):
        a = run.layernorm_inputs[name]
        x = i + rng.uniform(-0.28, 0.28, size=a.shape[0])
        ax1.plot(x, surface_gap(a, run.eps), "o", ms=1.6, alpha=0.35, color=COLORS["output"])
        ax2.plot(x, share_along_ones(a), "o", ms=1.6, alpha=0.35, color=COLORS["projected"])
    med, p95 = random_share_quantiles(384)
    ax2.axhline(med, color=COLORS["input"], ls="--", lw=1, label=f"random direction: median {med:.3f}")
    ax2.axhline(p95, color=COLORS["input"], ls=":", lw=1, label=f"random direction: 95% below {p95:.3f}")
    ax2.legend(loc="upper right")
    ax1.set_yscale("log")
    ax2.set_xticks(range(len(names)), [short_name(n) for n in names], rotation=45, fontsize=9)
    ax2.set_xlabel("LayerNorm (network order)")
    ax1.set_ylabel(r"depth below the surface, $1 - r$")
    gap_max = max(surface_gap(run.layernorm_inputs[n], run.eps).max() for n in names)
    n_cls = int(np.sum(run.token_position == 0))
    ax1.set_title(rf"$\varepsilon = {_tex_power(run.eps)}$: $1 - r \leq {_tex_power(gap_max)}$ for every token"
                  f" (flat rows of dots: the {n_cls} [CLS] tokens)", fontsize=10)
    ax2.set_ylabel(r"share along $\mathbf{1}$: $|\hat{\mathbf{1}}\cdot a|\,/\,|a|$")
    ax2.set_title(r"Inputs are nearly $\perp \mathbf{1}$ — about as much as random directions", fontsize=10)
    ax2.set_ylim(0, None)
    return fig


# ------------------------------------------------------------------------------------------
# Alt texts that state what the figures show, computed from the same data
# ------------------------------------------------------------------------------------------


def figure_html(fig, alt: str):
    """Return the figure as an ``IPython.display.HTML`` ``<img>`` carrying ``alt`` (a computed alt text)."""
    import base64
    import html
    import io

    from IPython.display import HTML

    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a str (the figure's alt text), got {type(alt).__name__}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return HTML(f'<img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}"/>')


SPECTRUM_NAMES = ("embeddings.LayerNorm", "encoder.layer.2.attention.output.LayerNorm",
                  "encoder.layer.2.output.LayerNorm", "encoder.layer.5.output.LayerNorm")


def spectrum_alt(names=SPECTRUM_NAMES) -> str:
    """Return the alt text of :func:`spectrum_figure`, with each panel's measured range."""
    lns = _layernorms()
    names = SPECTRUM_NAMES if names is None else _layer_names(names, lns)
    parts = []
    for name in names:
        s = semi_axes(lns[name].gain)
        parts.append(f"'{short_name(name)}' from {s[0]:.1f} down to {s[-1]:.2g}")
    n = lns[names[0]].gain.size
    return (f"{len(names)} panels, one per LayerNorm, each plotting the {n - 1} semi-axes in descending "
            f"order on a log scale: a purple curve inside a thick grey curve of sorted root-N times "
            f"absolute gains, and a dashed line at {np.sqrt(n):.1f} for the initial sphere. "
            f"The curves fall: {'; '.join(parts)}.")


def gains_alt(name: str = "encoder.layer.5.output.LayerNorm") -> str:
    """Return the alt text of :func:`gains_figure`, with the measured gains and input spreads."""
    from ..model_geometry import near_zero_gains

    lns = _layernorms()
    g = lns[as_choice(name, "name", list(lns))].gain
    spread = corpus_encoding().layernorm_inputs[name].std(axis=0)
    dead = near_zero_gains(g)
    alive = np.delete(np.abs(g), dead)
    ratio = spread[dead] / np.median(spread)
    tiny = ", ".join(f"{abs(g[n]):.1e}" for n in dead)
    return (f"Left: the {g.size} absolute gains of the LayerNorm '{short_name(name)}' sorted on a log "
            f"scale: {alive.size} lie between {alive.min():.2f} and {alive.max():.2f}, {dead.size} are "
            f"near zero ({tiny}). Right: absolute gain against the standard deviation of each "
            f"neuron's input over the corpus, log-log: the near-zero gains, labelled neurons "
            f"{', '.join(str(n) for n in sorted(dead))}, are the neurons whose inputs vary most, "
            f"with standard deviations {spread[dead].min():.0f} to {spread[dead].max():.0f}: "
            f"{ratio.min():.0f} to {ratio.max():.0f} times the median neuron's {np.median(spread):.2f}.")


def real_inputs_alt() -> str:
    """Return the alt text of :func:`real_inputs_figure`, with the measured ranges."""
    run = corpus_encoding()
    names = list(_layernorms())
    gaps = [surface_gap(run.layernorm_inputs[n], run.eps) for n in names]
    share = np.concatenate([share_along_ones(run.layernorm_inputs[n]) for n in names])
    cls = run.token_position == 0
    cls_gap = np.concatenate([g[cls] for g in gaps])
    med, p95 = random_share_quantiles(run.layernorm_inputs[names[0]].shape[1])
    rest = np.concatenate([g[~cls] for g in gaps[1:]])
    return (f"Upper panel: for each of the {len(names)} LayerNorms, a strip of {run.n_tokens} dots "
            f"showing one minus r on a log scale: between {np.quantile(rest, 0.05):.0e} and "
            f"{np.quantile(rest, 0.95):.0e} for 90% of the non-[CLS] tokens after the embedding "
            f"LayerNorm, up to {gaps[0].max():.0e} at the embedding LayerNorm, and isolated rows of "
            f"[CLS] tokens reaching down to {cls_gap.min():.0e}. Lower panel: for each LayerNorm, a "
            f"strip of dots showing the share of the input along the all-ones direction, between 0 "
            f"and {share.max():.3f}, with dashed and dotted lines at {med:.3f} and {p95:.3f} marking "
            f"the median and 95th percentile for random directions.")
