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
