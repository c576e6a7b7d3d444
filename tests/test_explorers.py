"""Every explorer in the book, driven through every control's range as a reader would.

ipywidgets swallows exceptions raised in slider callbacks, so a broken explorer would leave
the book green; these tests move every slider to its extremes and in between and require
the picture to change, to stay finite, and no error to have been recorded.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require
from lngeo.widgets import EXPLORERS


def control_values(control):
    """Minimum, maximum, and three values in between (log-spaced for log sliders)."""
    if hasattr(control, "base"):  # FloatLogSlider: min/max are exponents
        exps = np.linspace(control.min, control.max, 5)
        return list(control.base ** exps)
    if hasattr(control, "min") and hasattr(control, "max"):
        return list(np.linspace(control.min, control.max, 5))
    if isinstance(control.value, bool):
        return [not control.value, control.value]
    if hasattr(control, "options"):
        return [opt[1] if isinstance(opt, tuple) else opt for opt in control.options]
    raise TypeError(f"don't know how to drive {type(control).__name__}")


def build(name: str):
    """Build a registered explorer; chapter 7's needs the packaged model (CI rule if missing)."""
    from lngeo.models import ModelNotInstalledError

    try:
        return EXPLORERS[name]()
    except ModelNotInstalledError as exc:
        require(False, str(exc))


@pytest.fixture(params=sorted(EXPLORERS), scope="module")
def explorer(request):
    return build(request.param)


def test_explorer_starts_finite_and_rendered(explorer):
    assert np.all(np.isfinite(explorer.snapshot()))
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert explorer.alt and len(explorer.alt) > 20


def test_every_control_moves_the_picture_and_stays_finite(explorer):
    start = explorer.values
    for name, control in explorer.controls.items():
        seen = []
        for value in control_values(control):
            explorer.set(**{name: value})
            snap = explorer.snapshot()
            assert np.all(np.isfinite(snap)), f"{name} = {value!r} made the figure non-finite"
            seen.append(snap)
        changed = any(not (a.shape == seen[0].shape and np.array_equal(a, seen[0])) for a in seen[1:])
        assert changed, f"moving {name!r} through its range never changed the figure"
        explorer.set(**{name: start[name]})
    assert explorer.errors == []


def test_all_controls_at_their_extremes_together(explorer):
    for pick in (0, -1):
        explorer.set(**{name: control_values(c)[pick] for name, c in explorer.controls.items()})
        assert np.all(np.isfinite(explorer.snapshot()))
    assert explorer.errors == []


def test_a_failing_update_is_recorded_and_raised():
    from lngeo.explorer import Explorer, slider
    from lngeo.plotting import new_figure

    def update(v):
        if v > 0.5:
            raise RuntimeError("boom")

    ex = Explorer(new_figure(), {"v": slider("v", 0, 1, 0.0)}, update, alt="a test figure with one slider only")
    with pytest.raises(RuntimeError, match="boom"):
        ex.controls["v"].value = 0.9  # as the browser would: through the trait observer
    assert len(ex.errors) == 1


def test_static_player_has_frames_and_alt_text():
    from lngeo.widgets import composition_explorer, composition_frames

    ex = composition_explorer()
    before = ex.snapshot()
    html = ex.animation(composition_frames(n=4)).data
    assert html.count("data:image/png;base64") >= 1 or html.count("frames[") >= 4
    assert '<img alt="' in html and "aria-label=" in html
    assert np.array_equal(before, ex.snapshot()), "making the player must restore the explorer"


def test_fast_png_encoder_round_trips_through_pillow():
    from PIL import Image
    import io

    from lngeo.explorer import _fast_png

    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(_fast_png(rgba))).convert("RGB"))
    np.testing.assert_array_equal(decoded, rgba[..., :3])


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_blitted_live_image_equals_a_full_redraw(name):
    """The fast live path (cached background + moving artists) shows what savefig would."""
    import io

    from PIL import Image

    def pixels(png: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)

    def full_redraw(ex) -> np.ndarray:
        ex.blit = False
        try:
            return pixels(ex.render_png())
        finally:
            ex.blit = True

    ex = build(name)
    before = full_redraw(ex)
    first, control = next(iter(ex.controls.items()))
    ex.set(**{first: control_values(control)[-1]})
    fast, full = pixels(ex.image.value), full_redraw(ex)
    assert fast.shape == full.shape
    # 3-D depth order among moving artists may differ by a few pixels, nothing more ...
    mismatch = np.mean(np.any(np.abs(fast - full) > 40, axis=-1))
    assert mismatch < 0.003, f"{name}: {mismatch:.2%} of pixels differ between blit and full redraw"
    # ... and every pixel the move changed in the full redraw changed in the live image too.
    moved = np.any(np.abs(full - before) > 40, axis=-1)
    seen = np.any(np.abs(fast - before) > 40, axis=-1)
    assert moved.any(), f"{name}: moving {first!r} changed nothing"
    assert np.mean(seen[moved]) > 0.9, f"{name}: the live image missed part of what moved"


@pytest.mark.parametrize("name", ["composition", "projection", "scaling", "affine"])
def test_static_player_frames_lie_within_the_sliders_ranges(name):
    """A slider clamps an out-of-range frame value, so the player would draw another picture."""
    import lngeo.widgets as w

    explorer, frames = getattr(w, f"{name}_explorer")(), getattr(w, f"{name}_frames")()
    for frame in frames:
        explorer.set(**frame)
        drawn = explorer.values
        assert all(abs(drawn[k] - v) <= 1e-9 * max(1.0, abs(v)) for k, v in frame.items()), frame


def _pixels(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _player_frames(name: str) -> list[dict]:
    """The chapter's own frames for this explorer, first and last (they differ from its start)."""
    import lngeo.widgets as w

    frames = getattr(w, f"{name}_frames")()
    return [frames[0], frames[-1]]


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_live_view_after_the_player_equals_a_fresh_render(name, monkeypatch):
    """Issue 15: after the chapter's frame player, the live image showed the player's first frame.

    Build an explorer, make its static player, move one slider: the live image (pixels), the
    plotted data and the layout must equal those of a fresh explorer moved to the same value.
    """
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    ex = build(name)
    axes_before = [tuple(ax.get_position().bounds) for ax in ex.figure.axes]
    size_before = tuple(ex.figure.get_size_inches())
    html = ex.animation(_player_frames(name)).data
    assert html.count("data:image/png;base64") >= 2 or html.count("frames[") >= 2
    first, control = next(iter(ex.controls.items()))
    value = control_values(control)[1]
    ex.set(**{first: value})
    fresh = build(name)
    fresh.set(**{first: value})

    assert ex.values == fresh.values
    live, expected = _pixels(ex.image.value), _pixels(fresh.image.value)
    assert live.shape == expected.shape, f"{name}: the live image changed size after the player (layout jump)"
    assert tuple(ex.figure.get_size_inches()) == size_before
    assert [tuple(ax.get_position().bounds) for ax in ex.figure.axes] == axes_before, f"{name}: axes moved"
    differ = np.mean(np.any(live != expected, axis=-1))
    assert differ == 0.0, f"{name}: {differ:.1%} of the live image's pixels differ from a fresh render"
    a, b = ex.snapshot(), fresh.snapshot()
    assert a.shape == b.shape and np.array_equal(a, b), f"{name}: the live figure shows other data"
    assert ex.errors == [] and fresh.errors == []


def test_player_draws_on_a_twin_not_on_the_live_figure(monkeypatch):
    """The live figure is not even drawn while the player's frames are made."""
    from lngeo.widgets import scaling_explorer, scaling_frames

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    ex = scaling_explorer()
    drawn = []
    ex.figure.canvas.mpl_connect("draw_event", lambda event: drawn.append(event))
    png = ex.image.value
    ex.animation(scaling_frames(n=3))
    assert drawn == [] and ex.image.value is png
    assert ex.twin is not None and ex.twin() is not ex


def test_explorer_without_a_twin_refuses_to_make_a_player(monkeypatch):
    from lngeo.explorer import Explorer, slider
    from lngeo.plotting import new_figure

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    ex = Explorer(new_figure(), {"v": slider("v", 0, 1, 0.0)}, lambda v: None, alt="a test figure with one slider only")
    with pytest.raises(ValueError, match="explorer_factory"):
        ex.animation([{"v": 1.0}])


def test_player_is_skipped_in_a_live_kernel(monkeypatch):
    """Jupyter server sets JPY_SESSION_NAME in its kernels: a reader's Run All draws no frames."""
    from lngeo.widgets import scaling_explorer

    ex = scaling_explorer()
    monkeypatch.setenv("JPY_SESSION_NAME", "chapters/03_scaling.ipynb")
    ex.twin = lambda: pytest.fail("the player built a twin in a live kernel")
    html = ex.animation([{"eps": 1.0}]).data
    assert "explorer above is live" in html and "<img" not in html and "data:image" not in html


def test_player_needs_no_cdn(monkeypatch):
    """matplotlib's template links Font Awesome from a CDN; the book's player links nothing."""
    import re

    from lngeo.widgets import composition_explorer, composition_frames

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    html = composition_explorer().animation(composition_frames(n=2)).data
    assert not re.search(r"https?://|<link\b|font-awesome|\bfa fa-", html, re.I)
    buttons = re.findall(r"<button\b[^>]*>(.*?)</button>", html, re.S)
    assert len(buttons) == 9
    labels = re.findall(r'<button\b[^>]*aria-label="([^"]+)"', html)
    assert "Next frame" in labels and len(labels) == 9
    assert all(re.sub(r"<[^>]+>|\s", "", b) for b in buttons), "every button shows a symbol"


def test_offline_player_html_rejects_an_unknown_icon_or_url():
    from lngeo.explorer import offline_player_html

    with pytest.raises(ValueError, match="unknown player icon"):
        offline_player_html('<button><i class="fa fa-rocket"></i></button>')
    with pytest.raises(ValueError, match="other hosts"):
        offline_player_html('<script src="https://cdn.example.org/x.js"></script>')


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_live_view_shows_sliders_beside_a_figure_at_natural_size(name):
    """Sharp and whole: the image is not stretched, sliders and figure sit together, labels fit."""
    import ipywidgets as ipw

    from lngeo.explorer import _label_width_em

    ex = build(name)
    view = ex.widget()
    assert isinstance(view, ipw.HBox) and view.children[-1] is ex.image
    side = view.children[0]
    assert isinstance(side, ipw.VBox) and all(c in side.children for c in ex.controls.values())
    assert view.layout.flex_flow == "row wrap"
    png = _pixels(ex.image.value)
    height, width = png.shape[:2]
    assert (ex.image.width, ex.image.height) == (str(width), str(height))
    assert (ex.image.layout.width, ex.image.layout.height) == (f"{width}px", f"{height}px")
    assert ex.image.layout.max_width == "none" and ex.image.layout.flex == "0 0 auto"
    # The figure and its sliders fit a 1440 x 900 window: JupyterLab leaves ~1050 px x ~760 px
    # for an output with the file browser open (the figure then wraps below the sliders).
    rows = len(ex.controls) * 32 + (60 if ex.note else 0)
    assert width <= 1050 and height + rows <= 760, f"{name}: {width}x{height} px + {rows} px of controls"
    for control in ex.controls.values():
        if isinstance(control, ipw.Checkbox):  # its description sits beside the box, unclipped
            continue
        needed = _label_width_em(control.description)
        given = float(control.style.description_width.removesuffix("em"))
        assert given >= needed + 1.0, f"{name}: label {control.description!r} needs {needed:.1f}em, has {given}em"


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_a_drag_shows_what_a_single_move_to_its_end_shows(name):
    """A mouse drag sends many values in a row; the last picture must equal a fresh render.

    (Found in JupyterLab: ``set_title`` puts a title back at y = 1 and only a full draw lifts
    it again, so after a few blitted moves the 3-D explorers' titles sat ~30 px too low.)
    """
    ex = build(name)
    first, control = next(iter(ex.controls.items()))
    path = control_values(control)[1:4]
    for value in path:
        control.value = value  # through the trait observer, as the browser does
    fresh = build(name)
    fresh.set(**ex.values)
    live, expected = _pixels(ex.image.value), _pixels(fresh.image.value)
    assert live.shape == expected.shape
    differ = np.any(live != expected, axis=-1)
    rows = np.nonzero(differ.any(axis=1))[0]
    assert not differ.any(), f"{name}: {differ.mean():.1%} of pixels differ (rows {rows.min()}–{rows.max()})"
    assert ex.errors == []
