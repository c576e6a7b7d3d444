"""The chapters as a reader runs them: a real JupyterLab (pinned like Binder's), driven by Chromium.

What a reader who clicks the Binder button gets is checked chapter by chapter:

* **Run All** finishes with no error output, and every frame-player cell printed the one-line
  note that the explorer above is live (a live kernel skips the players);
* **every explorer** renders; its image is shown at its natural pixel size (not stretched),
  beside or above its sliders without horizontal overflow, and no slider label is cut off;
* **moving one slider with the mouse** (ipywidgets 8 sliders ignore arrow keys) changes the
  value in the kernel, and the image the browser then shows equals, pixel for pixel, a fresh
  explorer's render at that value (the bug of issue 15: after a frame player, the live view
  showed the player's first frame).

The server: ``.venv-lab/bin/jupyter lab`` (``make lab-env``: ``binder/requirements.txt`` +
``binder/lab.txt``, JupyterLab 4.4.9 and ipywidgets 8.1.7 like Binder) on 127.0.0.1, a free
port and a random token, serving a temporary copy of ``chapters/`` (JupyterLab autosaves
outputs; the repository's notebooks stay clean), with ``expose_app_in_browser`` so the test can
run JupyterLab commands. Every request to another host is aborted and fails the test.

Screenshots of every explorer after its move go to ``$LNGEO_SCREENSHOTS`` or
``<repo>/_build/screenshots/`` (``lab-<chapter>-<k>.png``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time

import numpy as np
import pytest

from conftest import ROOT, require, require_executable, require_module

sys.path.insert(0, os.path.join(ROOT, "tools"))
import lab_driver as D  # noqa: E402

LAB = os.path.join(ROOT, ".venv-lab", "bin", "jupyter-lab")
CHROMIUM = os.environ.get("LNGEO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("LNGEO_SCREENSHOTS") or os.path.join(ROOT, "_build", "screenshots")
CHAPTERS = sorted(p for p in os.listdir(os.path.join(ROOT, "chapters")) if p.endswith(".ipynb"))
VIEWPORT = {"width": 1440, "height": 900}
RUN_ALL_TIMEOUT_S = 600  # a busy 2-core machine: generous; Run All takes ~5-20 s per chapter idle

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lab")]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """Start JupyterLab on a copy of the chapters; yield (base URL, token)."""
    require(os.access(LAB, os.X_OK), f"{LAB} missing; run: make lab-env")
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(os.path.join(ROOT, "chapters"), work / "chapters")
    try:
        proc, base, token = D.start_jupyterlab(LAB, work / "chapters", work)
    except RuntimeError as err:
        pytest.fail(str(err))
    yield base, token
    D.stop(proc)


@pytest.fixture(scope="module")
def browser():
    pw_api = require_module("playwright.sync_api", "pip install playwright==1.65.2")
    exe = require_executable(CHROMIUM, "apt-get install -y chromium  (or set LNGEO_CHROMIUM)")
    pw = pw_api.sync_playwright().start()
    b = D.launch_chromium(pw, exe, offline=False)
    yield b
    b.close()
    pw.stop()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_all_in_jupyterlab_and_every_explorer_follows_the_mouse(chapter, lab_server, browser):
    base, token = lab_server
    os.makedirs(SCREENSHOTS, exist_ok=True)
    external: list[str] = []

    def route(r):
        if r.request.url.startswith(base) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(180_000)
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc) + " @ " + str(getattr(exc, "stack", ""))[:1500]))
    problems: list[str] = []
    stem = chapter.removesuffix(".ipynb")
    try:
        assert D.open_notebook(page, f"{base}lab/tree/{chapter}?token={token}&reset") == chapter
        started = time.monotonic()
        cells = page.evaluate(D.RUN_ALL, RUN_ALL_TIMEOUT_S * 1000)
        unrun = [c["index"] for c in cells if c["count"] is None]
        if unrun:
            problems.append(f"cells not executed after {RUN_ALL_TIMEOUT_S} s: {unrun}")
        print(f"{chapter}: Run All {time.monotonic() - started:.1f} s in JupyterLab")
        if time.monotonic() - started > RUN_ALL_TIMEOUT_S:
            problems.append(f"Run All took {time.monotonic() - started:.0f} s")

        errors = [(c["index"], o.get("ename"), o.get("evalue")) for c in cells for o in c["outputs"]
                  if o["output_type"] == "error"]
        if errors:
            problems.append(f"error outputs after Run All: {errors}")
        text = json.dumps([c["outputs"] for c in cells])
        # Widget outputs that are explorers' views (others, e.g. a tqdm bar, are not driven).
        explorers = D.explorers(page, cells)
        if not explorers:
            problems.append("no explorer was displayed")
        players = text.count("The explorer above is live")
        if explorers and players < 1:
            problems.append("no frame-player cell printed the 'explorer above is live' note")
        if "lngeo-static-explorer" in text:
            problems.append("a frame player was rendered in the live kernel (it should be skipped)")
        exercise = page.evaluate(D.EXERCISE)
        if exercise["index"] < 0:
            problems.append("no {exercise} cell found")
        elif "{exercise}" in exercise["text"] or "Exercise" not in exercise["text"]:
            problems.append(f"the MyST exercise box is not rendered: {exercise['text'][:120]!r}")

        for k, (index, mid) in enumerate(explorers):
            name = f"{stem}-{k}"
            # JupyterLab 4 renders only the cells in view (windowed notebook): scroll there first.
            page.evaluate(D.SCROLL_TO, index)
            out = page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"] .jp-OutputArea')
            out.locator(".widget-hbox img").wait_for(state="visible")
            layout = page.evaluate(D.LAYOUT, index)
            cut = [lab["text"] for lab in layout["labels"] if lab["cut"]]
            if cut:
                problems.append(f"{name}: slider labels cut off: {cut}")
            if layout["overflow"]:
                problems.append(f"{name}: the explorer overflows the notebook column ({layout['width']:.0f} px)")
            if layout["height"] > VIEWPORT["height"] - 120:
                problems.append(f"{name}: {layout['height']:.0f} px tall; sliders and figure do not fit the window")

            # Until the kernel has the new value and the browser shows the kernel's image.
            move = D.drag_and_wait(page, index, mid, out, timeout_s=120)
            if move["state"]["values"] == move["before_state"]["values"]:
                problems.append(f"{name}: dragging the first slider did not change the kernel's value")
                continue
            state = D.kernel_state(page, mid, fresh=True)
            shown = page.evaluate(D.SHOWN, index)
            page.screenshot(path=os.path.join(SCREENSHOTS, f"lab-{name}.png"))
            print(f"{name}: moved to {state['values']}; screenshot lab-{name}.png")
            if state["errors"]:
                problems.append(f"{name}: the explorer recorded errors: {state['errors']}")
            live, fresh = D.pixels(shown["png"]), D.pixels(state["fresh"])
            if live.shape != fresh.shape:
                problems.append(f"{name}: shown image {live.shape} vs a fresh render {fresh.shape} (layout jump)")
            elif (differ := float(np.mean(np.any(live != fresh, axis=-1)))) > 0:
                problems.append(f"{name}: {differ:.1%} of the shown pixels differ from a fresh render at {state['values']}")
            if shown["natural"] != [round(v) for v in shown["shown"]]:
                problems.append(f"{name}: image shown at {shown['shown']} px, natural size {shown['natural']}")
    finally:
        context.close()
    if external:
        problems.append(f"requests to other hosts: {sorted(set(external))[:5]}")
    problems += [f"page error: {e}" for e in page_errors]
    assert not problems, f"{chapter}:\n  - " + "\n  - ".join(problems)
