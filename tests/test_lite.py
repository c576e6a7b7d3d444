"""The in-browser edition: JupyterLite inside the built site, run offline in a real Chromium.

What a reader who clicks "In your browser" gets, checked on the site ``jupyter-book build``
wrote (``built_book``):

* **The site holds it all.** The lite app, every chapter as a notebook (the committed file),
  the piplite wheels each chapter's hidden install cell asks for, and Pyodide itself: every
  file in ``lite/static/pyodide`` is the official one (its lock entry equals the entry of the
  official ``pyodide-lock.json`` read here from npm's ``pyodide`` tarball, its SHA-256 equals
  that entry's, the core files equal the tarball's bytes) and the kernel is pointed there, with
  the PyPI fallback off.
* **Honest buttons.** Each chapter page's launch menu has JupyterLite beside Binder, and the
  "Run this chapter" box links both and says what each costs.
* **A real browser, no network.** Headless Chromium, with every host but 127.0.0.1 unresolvable
  and every request to another host aborted and reported, opens each chapter in the lite app
  served from the built site, runs it all (no error output, no page error), drags the first
  slider of every explorer with the mouse and sees the explorer's image change (and the page
  show the kernel's image at the kernel's new value); the first exercise renders as a MyST box
  (jupyterlab-myst, as in Binder). It records the
  time from opening the page to the first slider a reader can move, the time per update, and
  the bytes the chapter downloaded (a first visit's: "tens of megabytes", as the page says);
  ``benchmarks/lite.py`` prints the same per chapter with a cold and a warm cache.

Screenshots of every explorer after its move go to ``$LNGEO_SCREENSHOTS`` or
``<repo>/_build/screenshots/`` (``lite-<chapter>-<k>.png``), timings to
``<repo>/_build/lite-timings.json``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import sys
import tarfile
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, require_executable, require_module

sys.path.insert(0, os.path.join(ROOT, "tools"))
import lab_driver as D  # noqa: E402
import lite as lite_tool  # noqa: E402  (tools/lite.py)

CHROMIUM = os.environ.get("LNGEO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("LNGEO_SCREENSHOTS") or Path(ROOT, "_build", "screenshots"))
TIMINGS = Path(ROOT, "_build", "lite-timings.json")
CHAPTERS = sorted(p.name for p in Path(ROOT, "chapters").glob("*.ipynb"))
NPM_TARBALL = Path(ROOT, "_build", ".cache", "lite", "npm", "pyodide-0.27.7.tgz")
VIEWPORT = {"width": 1440, "height": 900}
RUN_ALL_TIMEOUT_S = 600
KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"


def _install_lists(chapter: str) -> list[str]:
    """The names the chapter's first cell passes to ``piplite.install``, in order."""
    cell = json.loads(Path(ROOT, "chapters", chapter).read_text())["cells"][0]
    tree = compile("".join(cell["source"]), chapter, "exec",
                   flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "install":
            value = ast.literal_eval(node.args[0])
            names += [value] if isinstance(value, str) else list(value)
    return names


# --- what the site holds ----------------------------------------------------------------------


def test_the_site_holds_the_lite_app_every_chapter_and_points_the_kernel_at_its_own_pyodide(built_book):
    lite = Path(built_book, "lite")
    assert (lite / "lab" / "index.html").is_file()
    config = json.loads((lite / "jupyter-lite.json").read_text())["jupyter-config-data"]
    settings = config["litePluginSettings"][KERNEL]
    assert settings["pyodideUrl"] == "./static/pyodide/pyodide.js"
    assert settings["disablePyPIFallback"] is True
    assert config["exposeAppInBrowser"] is True
    # MyST markdown renders as in Binder's JupyterLab; the cell toolbar that breaks on it is off.
    assert "jupyterlab-myst" in {e["name"] for e in config["federated_extensions"]}
    assert config["disabledExtensions"] == ["@jupyterlab/cell-toolbar-extension"]
    for chapter in CHAPTERS:
        shipped = json.loads((lite / "files" / "chapters" / chapter).read_text())
        assert shipped == json.loads(Path(ROOT, "chapters", chapter).read_text()), chapter


def test_every_pyodide_file_in_the_site_is_the_official_one(built_book):
    site = Path(built_book, "lite", "static", "pyodide")
    with tarfile.open(NPM_TARBALL) as tar:
        official = json.load(tar.extractfile("package/pyodide-lock.json"))
        for core in ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"):
            assert (site / core).read_bytes() == tar.extractfile(f"package/{core}").read(), core
    ours = json.loads((site / "pyodide-lock.json").read_text())
    assert ours["info"] == official["info"] and official["info"]["version"] == "0.27.7"
    assert {"numpy", "matplotlib", "scipy", "micropip", "ipython"} <= set(ours["packages"])
    for name, entry in ours["packages"].items():
        assert entry == official["packages"][name], f"{name}: not the official lock's entry"
        data = (site / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file_name"]
        missing = [d for d in entry["depends"] if d.lower().replace("_", "-") not in ours["packages"]]
        assert not missing, f"{name} depends on {missing}, which the site does not ship"
    unlisted = {p.name for p in site.iterdir()} - {e["file_name"] for e in ours["packages"].values()}
    assert unlisted == {"pyodide-lock.json", "pyodide.js", "pyodide.mjs", "pyodide.asm.js",
                        "pyodide.asm.wasm", "python_stdlib.zip"}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_hidden_install_cell_asks_only_for_what_the_site_ships(chapter, built_book):
    cell = json.loads(Path(ROOT, "chapters", chapter).read_text())["cells"][0]
    assert cell["metadata"].get("tags") == ["remove-cell"]
    assert 'if sys.platform == "emscripten":' in "".join(cell["source"])
    names = _install_lists(chapter)
    assert names[0] == "lngeo" and {"numpy", "matplotlib", "ipywidgets"} <= set(names)
    lite = Path(built_book, "lite")
    wheels = json.loads((lite / "pypi" / "all.json").read_text())
    locked = json.loads((lite / "static" / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    for name in names:
        assert name in wheels or name in locked, f"{chapter} installs {name!r}, which the site lacks"
    for name, meta in wheels.items():
        for release in meta["releases"].values():
            for f in release:
                assert (lite / "pypi" / f["filename"]).is_file(), f["filename"]
    assert ("lngeo-recording" in names) == chapter.startswith("07_")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chapter_page_offers_the_browser_and_binder_and_says_what_each_costs(chapter, built_book):
    stem = chapter.removesuffix(".ipynb")
    page = Path(built_book, "chapters", f"{stem}.html").read_text()
    box = re.search(r'<aside class="lngeo-run".*?</aside>', page, re.S)
    assert box, "no 'Run this chapter' box"
    links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', box.group(0)))
    lite = links["In your browser"].replace("&amp;", "&")
    assert lite == f"../lite/lab/index.html?path=chapters/{chapter}"
    assert Path(built_book, "chapters", urllib.parse.urlparse(lite).path).resolve().is_file()
    assert f'href="{links["In your browser"]}"' in page.replace(box.group(0), ""), "not in the launch menu"
    repo = yaml.safe_load(Path(ROOT, "_config.yml").read_text())["repository"]
    org_repo = urllib.parse.urlparse(repo["url"]).path.strip("/")
    assert links["On Binder"].replace("&amp;", "&") == (
        f"https://mybinder.org/v2/gh/{org_repo}/{repo['branch']}?urlpath=lab/tree/chapters/{chapter}")
    text = re.sub(r"<[^>]+>", "", box.group(0))
    assert "tens of megabytes" in text and "several minutes" in text
    assert ("recorded when the book was built" in text) == stem.startswith("07_")


# --- a real browser, no network ---------------------------------------------------------------


@pytest.fixture(scope="module")
def site(built_book):
    server, base, served = D.serve(built_book)
    yield base, served
    server.shutdown()


@pytest.fixture(scope="module")
def reader(site):
    """One browser profile for all chapters. Playwright's routing (which catches requests to
    other hosts) turns the HTTP cache off: each chapter is a first visit."""
    pw_api = require_module("playwright.sync_api", "pip install playwright==1.65.2")
    exe = require_executable(CHROMIUM, "apt-get install -y chromium  (or set LNGEO_CHROMIUM)")
    pw = pw_api.sync_playwright().start()
    browser = D.launch_chromium(pw, exe, offline=True)
    context = browser.new_context(viewport=VIEWPORT)
    base = site[0]
    external: list[str] = []

    def route(r):
        if r.request.url.startswith((base, "data:", "blob:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    yield context, external
    context.close()
    browser.close()
    pw.stop()


@pytest.mark.slow
@pytest.mark.xdist_group("lite")
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_the_browser_offline_and_every_explorer_follows_the_mouse(chapter, site, reader):
    base, served = site
    context, external = reader
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = chapter.removesuffix(".ipynb")
    page = context.new_page()
    page.set_default_timeout(180_000)
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    problems: list[str] = []
    first = len(served)
    timing: dict = {"chapter": stem}
    try:
        opened = time.monotonic()
        url = f"{base}lite/lab/index.html?path=chapters/{chapter}"
        assert D.open_notebook(page, url) == f"chapters/{chapter}"
        cells = page.evaluate(D.RUN_ALL, RUN_ALL_TIMEOUT_S * 1000)
        timing["run_all_s"] = round(time.monotonic() - opened, 2)
        unrun = [c["index"] for c in cells if c["count"] is None]
        errors = [(c["index"], o.get("ename"), o.get("evalue")) for c in cells for o in c["outputs"]
                  if o["output_type"] == "error"]
        if errors or unrun:
            problems.append(f"error outputs {errors}; cells not run {unrun}")
        exercise = page.evaluate(D.EXERCISE)
        if exercise["index"] < 0 or "{exercise}" in exercise["text"] or "Exercise" not in exercise["text"]:
            problems.append(f"the first exercise is not rendered as a MyST box: {exercise['text'][:120]!r}")
        explorers = D.explorers(page, cells) if not errors else []
        if not explorers and not errors:
            problems.append("no explorer was displayed")
        updates = []
        for k, (index, mid) in enumerate(explorers):
            page.evaluate(D.SCROLL_TO, index)
            out = page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"] .jp-OutputArea')
            out.locator(".widget-slider .noUi-handle").first.wait_for(state="visible")
            if k == 0:
                timing["first_slider_s"] = round(time.monotonic() - opened, 2)
            move = D.drag_and_wait(page, index, mid, out)
            before, shown, before_state, state = move["before"], move["shown"], move["before_state"], move["state"]
            updates.append(round(move["seconds"], 3))
            page.screenshot(path=str(SCREENSHOTS / f"lite-{stem}-{k}.png"))
            if shown == before:
                problems.append(f"explorer {k}: the image did not change after dragging its first slider")
            if state["values"] == before_state["values"]:
                problems.append(f"explorer {k}: the kernel's value did not change")
            if state["errors"]:
                problems.append(f"explorer {k}: the explorer recorded errors {state['errors']}")
            if shown != state["live"]:
                problems.append(f"explorer {k}: the page does not show the kernel's image")
        timing["updates_s"] = updates
    finally:
        page.close()
    requests = served[first:]
    timing["requests"] = len(requests)
    timing["megabytes"] = round(sum(n for _, n in requests) / 1e6, 1)
    # What the page promises a first visit costs (routing turns the browser's HTTP cache off,
    # so every chapter here is a first visit).
    if not 10 <= timing["megabytes"] < 100:
        problems.append(f"a first visit downloaded {timing['megabytes']} MB, not 'tens of megabytes'")
    print(json.dumps(timing))
    records = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    records[stem] = timing
    TIMINGS.write_text(json.dumps(records, indent=1))
    if not any(p.endswith("/static/pyodide/pyodide.asm.wasm") for p, _ in served):
        problems.append("the site never served pyodide.asm.wasm: where did the kernel come from?")
    if external:
        problems.append(f"requests to other hosts: {sorted(set(external))[:5]}")
    problems += [f"page error: {e}" for e in page_errors]
    assert not problems, f"{chapter}:\n  - " + "\n  - ".join(problems)


# --- the build refuses what is not official ----------------------------------------------------


def test_the_build_stops_on_a_package_file_that_is_not_the_official_one(tmp_path):
    cache = Path(ROOT, "_build", ".cache", "lite")
    fake = tmp_path / "cache"
    (fake / "npm").mkdir(parents=True)
    (fake / "npm" / NPM_TARBALL.name).symlink_to(NPM_TARBALL)
    (fake / "wheels").mkdir()
    for whl in (cache / "wheels").glob("*.whl"):
        if whl.name != lite_tool.PACKAGES_WHEEL:
            (fake / "wheels" / whl.name).symlink_to(whl)
    # The packages wheel, with one byte of numpy's wheel changed.
    import zipfile

    with zipfile.ZipFile(cache / "wheels" / lite_tool.PACKAGES_WHEEL) as src, \
            zipfile.ZipFile(fake / "wheels" / lite_tool.PACKAGES_WHEEL, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if "/numpy-" in info.filename:
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.writestr(info, data)
    with pytest.raises(SystemExit, match=r"numpy-2\.0\.2-.*SHA-256 .* is not the official lock's"):
        lite_tool.assemble(fake, tmp_path / "lite-dir")


def test_the_build_stops_on_an_npm_tarball_that_is_not_npms(tmp_path):
    fake = tmp_path / "npm" / NPM_TARBALL.name
    fake.parent.mkdir()
    fake.write_bytes(NPM_TARBALL.read_bytes() + b"\0")
    with pytest.raises(SystemExit, match="not npm's"):
        lite_tool.official_lock(tmp_path)


def test_the_lock_closure_follows_dependencies_and_refuses_unknown_names():
    lock = {"packages": {"a": {"depends": ["B_c"]}, "b-c": {"depends": []}, "d": {"depends": []}}}
    assert lite_tool.closure(lock, roots=("a",)) == ["a", "b-c"]
    with pytest.raises(SystemExit, match="'tokenizers' is not a package"):
        lite_tool.closure(lock, roots=("tokenizers",))
