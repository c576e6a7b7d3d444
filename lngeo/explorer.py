"""The explorer machinery: sliders drive a matplotlib figure, live or as a static frame player.

An :class:`Explorer` owns one figure, a set of named controls (``ipywidgets`` sliders) and an
``update(**values)`` function that moves the figure's artists. It is shown two ways:

* **live** (JupyterLab, Binder): the controls and a PNG of the figure, redrawn on every
  slider move;
* **static** (the built HTML, no kernel): :meth:`Explorer.animation` sweeps the controls
  through a list of frames and embeds them as a matplotlib ``to_jshtml``-style player, whose
  own slider really moves the picture.

The player never touches the live figure: its frames are drawn on a *twin*, a second explorer
built by the same factory with the same arguments (factories are decorated with
:func:`explorer_factory`). Drawing them on the live figure went wrong in two ways: a
``FuncAnimation`` leaves its first-draw hook connected to the canvas, so the live view's next
full draw re-ran frame 0 (the reader's sliders said one thing, the picture another), and the
movie writer's saving pass shifted the frozen layout. The player also needs no CDN: the
Font Awesome stylesheet matplotlib links for its buttons is dropped and the icons are plain
text (:func:`offline_player_html`).

In a live kernel (Jupyter server sets ``JPY_SESSION_NAME`` for the kernels it starts; the
book build's nbclient does not) :meth:`Explorer.animation` skips the frames and returns a
one-line note pointing at the live explorer above, so a reader's Run All costs nothing.

ipywidgets swallows exceptions raised in callbacks, so an explorer records them
(:attr:`Explorer.errors`) and re-raises; the tests drive every control through its range.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from matplotlib.animation import HTMLWriter
from PIL import Image

from ._checks import as_count, as_scalar

__all__ = [
    "Explorer",
    "explorer_factory",
    "frame_player",
    "in_live_kernel",
    "offline_player_html",
    "slider",
    "log_slider",
    "sweep",
]

#: Width of every slider's track and of its readout (the label column comes on top, sized to the
#: longest label). With the shortest labels, controls and a 688-px 3-D figure fit side by side
#: in JupyterLab's notebook column of a 1440-px window with the file browser open (~1000 px).
SLIDER_WIDTH = "13em"
READOUT_WIDTH = "5em"


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def slider(description: str, min: float, max: float, value: float, step: float | None = None, readout_format: str = ".2f") -> widgets.FloatSlider:
    """Return a continuous ``FloatSlider`` with the book's layout."""
    _text(description, "description"), _text(readout_format, "readout_format")
    min, max, value = as_scalar(min, "min"), as_scalar(max, "max"), as_scalar(value, "value")
    step = (max - min) / 200 if step is None else as_scalar(step, "step")
    return widgets.FloatSlider(
        value=value, min=min, max=max, step=step, description=description,
        continuous_update=True, readout_format=readout_format,
    )


def log_slider(description: str, min_exp: float, max_exp: float, value: float) -> widgets.FloatLogSlider:
    """Return a base-10 ``FloatLogSlider`` from ``10**min_exp`` to ``10**max_exp``."""
    _text(description, "description")
    min_exp, max_exp = as_scalar(min_exp, "min_exp"), as_scalar(max_exp, "max_exp")
    value = as_scalar(value, "value")
    return widgets.FloatLogSlider(
        value=value, base=10, min=min_exp, max=max_exp, step=(max_exp - min_exp) / 100,
        description=description, continuous_update=True, readout_format=".1e",
    )


def sweep(**ranges: Iterable[float]) -> list[dict[str, float]]:
    """Return frames that move several controls together: ``sweep(a=[0, 1], b=[2, 3])``.

    Every range must have the same length; frame ``i`` sets each control to its ``i``-th value.
    """
    lists = {k: [float(v) for v in vals] for k, vals in ranges.items()}
    lengths = {len(v) for v in lists.values()}
    if len(lengths) != 1:
        raise ValueError(f"sweep ranges must have equal lengths, got { {k: len(v) for k, v in lists.items()} }")
    (n,) = lengths
    return [{k: v[i] for k, v in lists.items()} for i in range(n)]


def _book_palette() -> Image.Image:
    """Return a fixed 256-colour palette image: greys, and each book colour blended with white.

    Every frame of every player is mapped onto this one palette, so a colour never drifts
    from frame to frame (an adaptive palette per frame would shift the legend's colours).
    """
    from .plotting import COLORS

    entries: list[tuple[int, int, int]] = [(v, v, v) for v in np.linspace(0, 255, 48).astype(int)]
    for hex_colour in dict.fromkeys(COLORS.values()):
        rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
        for w in np.linspace(0.0, 0.92, 24):  # w = share of white
            entries.append(tuple(int(round(c)) for c in (1 - w) * rgb + w * 255.0))
    entries = list(dict.fromkeys(entries))[:256]
    entries += [(255, 255, 255)] * (256 - len(entries))
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for rgb in entries for c in rgb])
    return palette


class _PalettePNGWriter(HTMLWriter):
    """matplotlib's HTML frame player with each frame stored as a palette PNG.

    All frames share :func:`_book_palette` (no dithering), so colours stay put from frame to
    frame while each frame shrinks about 3×: a 24-frame 3-D player weighs well under 1 MB
    instead of ~3 MB.
    """

    _palette: Image.Image | None = None

    def grab_frame(self, **savefig_kwargs):
        if not self.embed_frames:  # pragma: no cover - we always embed
            return super().grab_frame(**savefig_kwargs)
        if _PalettePNGWriter._palette is None:
            _PalettePNGWriter._palette = _book_palette()
        raw = io.BytesIO()
        self.fig.savefig(raw, format="png", dpi=self.dpi, **savefig_kwargs)
        rgb = Image.open(raw).convert("RGB")
        image = rgb.quantize(palette=_PalettePNGWriter._palette, dither=Image.Dither.NONE)
        small = io.BytesIO()
        image.save(small, format="png", optimize=True)
        self._saved_frames.append(base64.encodebytes(small.getvalue()).decode("ascii"))


def _fast_png(rgba: np.ndarray) -> bytes:
    """Return an RGB PNG of an ``(h, w, 4)`` uint8 image, encoded for speed.

    No per-row filter and zlib level 1: about 8 ms for a 640×432 figure (Pillow's encoder
    with adaptive filtering takes ~20 ms) and ~70 kB, lossless. Alpha is dropped (figures
    are opaque).
    """
    import struct
    import zlib

    h, w = rgba.shape[:2]
    raw = np.empty((h, 3 * w + 1), dtype=np.uint8)
    raw[:, 0] = 0  # filter type "None" for every row
    raw[:, 1:] = rgba[..., :3].reshape(h, 3 * w)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 1)) + chunk(b"IEND", b"")


#: matplotlib's player buttons: Font Awesome class -> the text shown instead. Plain
#: characters every system font has; U+FE0E asks for text, not emoji, presentation.
_PLAYER_ICONS = {
    "fa fa-minus": "\u2212",
    "fa fa-fast-backward": "|\u25c0\ufe0e\u25c0\ufe0e",
    "fa fa-step-backward": "|\u25c0\ufe0e",
    "fa fa-play fa-flip-horizontal": "\u25c0\ufe0e",
    "fa fa-pause": "\u2016",
    "fa fa-play": "\u25b6\ufe0e",
    "fa fa-step-forward": "\u25b6\ufe0e|",
    "fa fa-fast-forward": "\u25b6\ufe0e\u25b6\ufe0e|",
    "fa fa-plus": "+",
}
_ICON = re.compile(r'<i class="(fa [^"]+)"></i>')
_STYLESHEET_LINK = re.compile(r"<link\b[^>]*>\s*", re.I)


def offline_player_html(player: str) -> str:
    """Return matplotlib's jshtml player with nothing fetched from another host.

    matplotlib's template links Font Awesome 4.4 from a CDN for its nine button icons. The
    ``<link>`` is dropped and each icon becomes a text symbol (the buttons already carry
    ``title`` and ``aria-label``, which screen readers use; the symbol is ``aria-hidden``).
    Raises ``ValueError`` if an icon is unknown or an external URL is left, so a matplotlib
    upgrade that changes the template fails loudly instead of reaching for a CDN.
    """

    def icon(m: re.Match) -> str:
        try:
            text = _PLAYER_ICONS[m.group(1)]
        except KeyError:
            raise ValueError(f"unknown player icon {m.group(1)!r}; add it to _PLAYER_ICONS") from None
        return f'<span class="lngeo-player-icon" aria-hidden="true">{text}</span>'

    _text(player, "player")
    out = _STYLESHEET_LINK.sub("", player)
    out = _ICON.sub(icon, out)
    external = re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>]*", out)
    if external:
        raise ValueError(f"the frame player still refers to other hosts: {sorted(set(external))[:3]}")
    return out


def frame_player(figure, draw: Callable[[int], None], n_frames: int, interval: int = 150) -> str:
    """Return the HTML of a scrubbable frame player (no kernel, no CDN) for ``draw(i)``, ``i < n_frames``.

    The frames are grabbed directly by matplotlib's HTML writer (no ``FuncAnimation``, so no
    event hook is left on ``figure``'s canvas). ``figure`` is drawn on: pass one nobody else
    shows (:meth:`Explorer.animation` passes a twin's).
    """
    n_frames = as_count(n_frames, "n_frames", low=1, high=1000)
    interval = as_count(interval, "interval", low=1, high=60_000)
    if not callable(draw) or not hasattr(figure, "canvas"):
        raise TypeError("figure must be a matplotlib Figure and draw a callable draw(i)")
    import matplotlib as mpl

    dpi = mpl.rcParams["savefig.dpi"]
    dpi = figure.dpi if dpi == "figure" else dpi
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "player.html")
        writer = _PalettePNGWriter(fps=1000 / interval, embed_frames=True, default_mode="once")
        with writer.saving(figure, str(path), dpi):
            for i in range(n_frames):
                draw(i)
                writer.grab_frame()
        return offline_player_html(path.read_text())


def in_live_kernel() -> bool:
    """Return ``True`` in a kernel started by a Jupyter server (JupyterLab, Binder).

    Jupyter server puts ``JPY_SESSION_NAME`` (the notebook's path) into the environment of the
    kernels it starts; nbclient, which executes the chapters for the book, does not.
    """
    return bool(os.environ.get("JPY_SESSION_NAME"))


def explorer_factory(factory: Callable[..., "Explorer"]) -> Callable[..., "Explorer"]:
    """Decorate an explorer factory so each explorer it builds can build its own twin.

    The twin (same factory, same arguments) is where :meth:`Explorer.animation` draws the
    static player's frames, so the live figure is never touched.
    """

    @functools.wraps(factory)
    def build(*args, **kwargs) -> "Explorer":
        explorer = factory(*args, **kwargs)
        explorer.twin = functools.partial(build, *args, **kwargs)
        return explorer

    return build


def _label_width_em(text: str) -> float:
    """Width of ``text`` in em of the label font (DejaVu Sans, the widest common UI sans)."""
    from matplotlib import font_manager
    from matplotlib.textpath import TextToPath

    prop = font_manager.FontProperties(family="DejaVu Sans", size=100)
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width / 100


class Explorer:
    """A figure driven by named controls.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        Built once; ``update`` only moves its artists.
    controls : mapping of str to ipywidgets.ValueWidget
        The sliders; their names are the keyword arguments of ``update``.
    update : callable
        ``update(**values)`` redraws the figure for the given control values.
    alt : str
        Alt text describing what the figure shows (used by the static player).
    note : str, optional
        One sentence telling the reader what to try.
    twin : callable, optional
        Builds a fresh explorer like this one, for the static player's frames;
        :func:`explorer_factory` sets it.
    """

    #: Margin in em added to the longest slider label to give the label column's width
    #: (ipywidgets cuts a description that does not fit with an ellipsis).
    LABEL_MARGIN_EM = 1.5

    def __init__(self, figure, controls: Mapping[str, widgets.ValueWidget], update: Callable[..., None], alt: str, note: str = "", twin: Callable[[], "Explorer"] | None = None):
        self.figure = figure
        self.controls = dict(controls)
        self._update = update
        self.alt = alt
        self.note = note
        self.twin = twin
        #: The live view (an ``HBox``), built by the first call of :meth:`widget`.
        self.view: widgets.HBox | None = None
        self.errors: list[BaseException] = []
        # The live image is shown at its natural pixel size: width and height are set from
        # each PNG, and the layout forbids the flex box from stretching or shrinking it.
        self.image = widgets.Image(
            format="png",
            layout=widgets.Layout(flex="0 0 auto", align_self="flex-start", max_width="none", object_fit="none"),
        )
        # The label column fits the longest slider label; a checkbox's description sits beside
        # its box instead, and does not widen the column.
        sliders = [c for c in self.controls.values() if not isinstance(c, widgets.Checkbox)]
        self.label_width = max((_label_width_em(c.description) for c in sliders), default=0.0) + self.LABEL_MARGIN_EM
        for control in self.controls.values():
            if control in sliders:
                control.style.description_width = f"{self.label_width:.1f}em"
            control.layout.width = f"calc({self.label_width:.1f}em + {SLIDER_WIDTH} + {READOUT_WIDTH})"
            control.observe(self._on_change, names="value")
        self.refresh()

    # -- state ---------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, float]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Redraw the figure for the current control values and re-render the live image."""
        try:
            self._update(**self.values)
            self._show(self.render_png())
        except Exception as exc:  # recorded: ipywidgets would swallow it
            self.errors.append(exc)
            raise

    def _show(self, png: bytes) -> None:
        """Put ``png`` in the live image at its natural size (width/height from the PNG header)."""
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        with self.image.hold_sync():
            if self.image.width != str(width) or self.image.height != str(height):
                self.image.width, self.image.height = str(width), str(height)
                self.image.layout.width, self.image.layout.height = f"{width}px", f"{height}px"
            self.image.value = png

    def _on_change(self, change) -> None:
        self.refresh()

    def set(self, **values: float) -> None:
        """Move controls (as a reader would) and redraw once.

        Raises ``KeyError`` for an unknown control name; values are clipped by the slider
        to its range, exactly as in the browser.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise KeyError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(self.controls)}")
        for name, value in values.items():
            control = self.controls[name]
            control.unobserve(self._on_change, names="value")
            try:
                control.value = value
            finally:
                control.observe(self._on_change, names="value")
        self.refresh()

    # -- views ---------------------------------------------------------------------------
    #: Render live updates by blitting (see :meth:`render_png`); set ``False`` to always redraw fully.
    blit: bool = True

    def render_png(self) -> bytes:
        """Return the figure as PNG bytes.

        Fast path (``blit``): the artists that ``update`` touched (those left *stale*) are
        drawn over a cached picture of everything else, and the pixels are encoded by Pillow
        at low compression. The background is redrawn whenever the set of moving artists,
        the figure's artists, its size, or any axes' limits, position or 3-D view change.
        The layout (constrained layout) is computed once, with everything visible, then
        frozen, so the cached background and the moving artists always line up. Moving
        artists are drawn above the static ones (3-D depth sorting among static artists
        is kept). A 3-D update drops from ~150 ms (``savefig``) to ~20 ms.
        """
        if not self.blit:
            buf = io.BytesIO()
            self.figure.savefig(buf, format="png")
            return buf.getvalue()
        return self._blit_png()

    def _leaf_artists(self) -> list:
        leaves: list = []
        for ax in self.figure.axes:
            leaves.extend(ax.lines)
            leaves.extend(ax.collections)
            leaves.extend(ax.patches)
            leaves.extend(ax.texts)
            leaves.extend(ax.images)
            leaves.extend((ax.title, ax._left_title, ax._right_title))
        leaves.extend(self.figure.texts)
        return leaves

    def _view_state(self, leaves: list) -> tuple:
        fig = self.figure
        parts: list = [tuple(fig.get_size_inches()), fig.dpi, tuple(id(a) for a in leaves)]
        for ax in fig.axes:
            parts.append(tuple(ax.get_position().bounds))
            parts.append(tuple(ax.viewLim.bounds))
            if hasattr(ax, "get_w_lims"):
                parts.append(tuple(ax.get_w_lims()) + (ax.elev, ax.azim, ax.roll))
        return tuple(parts)

    def _blit_png(self) -> bytes:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = self.figure
        canvas = getattr(self, "_canvas", None)
        if canvas is None or fig.canvas is not canvas:
            canvas = self._canvas = FigureCanvasAgg(fig)
            self._background = None
            canvas.draw()  # the layout, with every artist visible ...
            if fig.get_layout_engine() is not None:
                fig.set_layout_engine("none")  # ... then frozen
        leaves = self._leaf_artists()
        moving = [a for a in leaves if a.stale and a.get_visible()]
        key = (self._view_state(leaves), tuple(id(a) for a in moving))
        if self._background is None or key != self._background_key:
            # Animated artists are left out of a (non-saving) draw but keep their place in the
            # layout (hiding them instead would move a title computed from its neighbours).
            was = [artist.get_animated() for artist in moving]
            for artist in moving:
                artist.set_animated(True)
            try:
                canvas.draw()
            finally:
                for artist, flag in zip(moving, was):
                    artist.set_animated(flag)
            self._background = canvas.copy_from_bbox(fig.bbox)
            self._background_key = (self._view_state(leaves), key[1])
        else:
            canvas.restore_region(self._background)
        # ``Axes.set_title`` puts the title back at y = 1 (axes coordinates); only a full draw
        # lifts it clear of the axes' decorations again. Redo that placement for every moving
        # title, or a restored background shows it ~30 px too low (it overlapped 3-D panes).
        renderer = canvas.get_renderer()
        for ax in fig.axes:
            titles = (ax.title, ax._left_title, ax._right_title)
            if any(t in moving for t in titles) and hasattr(ax, "_update_title_position"):
                ax._update_title_position(renderer)
        for artist in moving:
            if hasattr(artist, "do_3d_projection"):
                artist.do_3d_projection()
            fig.draw_artist(artist)
        return _fast_png(np.asarray(canvas.buffer_rgba()))

    def snapshot(self) -> np.ndarray:
        """Return every plotted coordinate as one flat array (for tests: did the picture change?)."""
        parts: list[np.ndarray] = []
        for ax in self.figure.axes:
            for line in ax.lines:
                data = line.get_data_3d() if hasattr(line, "get_data_3d") else line.get_data()
                parts.extend(np.asarray(d, dtype=float).ravel() for d in data)
            for coll in ax.collections:
                if hasattr(coll, "_vec"):
                    parts.append(np.asarray(coll._vec, dtype=float).ravel())
                elif hasattr(coll, "get_offsets"):
                    parts.append(np.asarray(coll.get_offsets(), dtype=float).ravel())
                if hasattr(coll, "_verts3d"):
                    parts.extend(np.asarray(v, dtype=float).ravel() for v in coll._verts3d)
                if hasattr(coll, "get_paths") and not hasattr(coll, "_vec"):
                    parts.extend(np.asarray(p.vertices, dtype=float).ravel() for p in coll.get_paths())
            for patch in ax.patches:
                parts.append(np.asarray(patch.get_verts(), dtype=float).ravel())
            for text in ax.texts:
                parts.append(np.frombuffer(text.get_text().encode(), dtype=np.uint8).astype(float))
            parts.append(np.frombuffer(ax.get_title().encode(), dtype=np.uint8).astype(float))
        return np.concatenate(parts) if parts else np.zeros(0)

    def widget(self) -> widgets.Widget:
        """Return the live view: the note and the controls in a column beside the figure.

        An ``HBox`` that wraps: on a wide screen (a 1440-px window with JupyterLab's file
        browser closed) the sliders sit left of the figure; when the notebook column is
        narrower the figure moves below them, still at its natural size. Built once and
        kept (:attr:`view`): every display of this explorer shows the same, synced widgets.
        """
        if self.view is not None:
            return self.view
        column = []
        if self.note:
            # ipywidgets gives an HTML widget the line height of a slider row (28 px): reset it.
            text = f'<div style="line-height:1.35;margin-bottom:0.4em"><em>{html.escape(self.note)}</em></div>'
            note = widgets.HTML(text, layout=widgets.Layout(width=self.controls_width))
            column.append(note)
        column.extend(self.controls.values())
        side = widgets.VBox(column, layout=widgets.Layout(flex="0 0 auto", width=self.controls_width, margin="0 1em 0 0"))
        self.view = widgets.HBox([side, self.image], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        return self.view

    @property
    def controls_width(self) -> str:
        """Return the CSS width of the controls column (label, slider track and readout)."""
        return f"calc({self.label_width:.1f}em + {SLIDER_WIDTH} + {READOUT_WIDTH})"

    def _ipython_display_(self) -> None:  # pragma: no cover - exercised in notebooks
        from IPython.display import display

        display(self.widget())

    def animation(self, frames: list[Mapping[str, float]], interval: int = 150, caption: str = ""):
        """Return an ``IPython.display.HTML`` frame player that moves without a kernel.

        Each frame sets some controls (the others keep this explorer's current values). The
        frames are drawn on a twin built by the same factory (:attr:`twin`): this explorer's
        figure, controls and live image are never touched. The player is wrapped in a
        ``<figure>`` with a caption; the frame image carries the explorer's alt text.

        In a live kernel (:func:`in_live_kernel`) nothing is drawn: the result is a one-line
        note that the explorer above is live.
        """
        from IPython.display import HTML

        if not frames:
            raise ValueError("frames must not be empty")
        if in_live_kernel():
            return HTML(
                '<p class="lngeo-live-note"><em>The explorer above is live: move its sliders. '
                "(The frame player shown here in the online book is skipped in a running notebook.)</em></p>"
            )
        if self.twin is None:
            raise ValueError(
                "this explorer has no twin to draw the player's frames on: build it with a factory "
                "decorated by lngeo.explorer.explorer_factory, or pass twin= to Explorer"
            )
        start = self.values
        twin = self.twin()
        try:
            player = frame_player(twin.figure, lambda i: twin._update(**{**start, **frames[i]}), len(frames), interval)
        finally:
            twin.figure.clear()
        alt = html.escape(self.alt, quote=True)
        # The alt text goes on the frame image itself, so the player's slider and buttons
        # stay reachable for screen readers.
        player = player.replace("<img ", f'<img alt="{alt}" ', 1)
        # The frame slider needs a name for screen readers (WCAG 4.1.2); arrow keys move it.
        player = player.replace('class="anim-slider"', 'class="anim-slider" aria-label="Frame"', 1)
        cap = (
            f'<figcaption style="color:#333;background:#fff;padding:0.2em 0.5em">'
            f"{html.escape(caption)}</figcaption>" if caption else ""
        )
        return HTML(f'<figure class="lngeo-static-explorer" aria-label="{alt}">{player}{cap}</figure>')
