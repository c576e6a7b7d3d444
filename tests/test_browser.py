"""The built book in a real browser: headless Chromium, driven by Playwright, fully offline.

What a reader online sees is checked page by page (see ``PAGES``):

* every equation was typeset by MathJax 3 (each ``.math`` element holds an ``mjx-container``,
  none holds a TeX error ``mjx-merror``, at least ``min_math`` of them) and no raw TeX
  (``\\(``, ``\\[``, ``$$``, ``\\begin{``, ``\\command``) is left in the prose;
* no console error and no uncaught page error, except those in ``ALLOWED_ERRORS``;
* no request to an external host other than the book-wide CDN files (MathJax, require.js,
  served from local copies, ``CDN_ROUTES``) and the ones deliberately aborted
  (``ALLOWED_ABORTS``); the frame players themselves refer to no other host at all (no Font
  Awesome stylesheet: their buttons show text symbols);
* no broken image, and no ipywidgets output (a widget saved to HTML shows sliders that never
  redraw: the chapters show a static player instead);
* the static frame player (``figure.lngeo-static-explorer``, matplotlib's ``to_jshtml``)
  really changes the picture when its slider is moved or its "Next frame" button is clicked.

How the page is served: the built HTML comes from ``http.server`` on 127.0.0.1 (a free port, a
thread stopped at teardown). CDN requests are answered by ``context.route`` from the npm
packages in ``tests/browser/node_modules`` (``npm ci`` there; versions pinned in
``tests/browser/package.json`` to exactly what the pages request). The require.js tag carries
an SRI ``integrity`` hash of cdnjs's *minified* build, which npm's ``requirejs`` does not ship;
the route for the HTML documents themselves removes the ``integrity`` attribute from every
``<script>``/``<link>`` tag whose file the test substitutes (and only those) — nothing else in
the page is changed.

Screenshots (full page, light and dark colour scheme; the player before and after moving) go to ``$LNGEO_SCREENSHOTS`` or
``<repo>/_build/screenshots/``; their paths are printed (``pytest -s`` or in the report of a
failure).

Chromium: ``/usr/bin/chromium`` (Debian package ``chromium``) or ``$LNGEO_CHROMIUM``; Playwright
from PyPI (no ``playwright install``). Missing pieces skip on a reader's machine and fail
under ``CI=true`` (``conftest.require``).
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass

import pytest

from conftest import ROOT, require, require_executable, require_module

ASSETS = os.path.join(ROOT, "tests", "browser", "node_modules")
SCREENSHOTS = os.environ.get("LNGEO_SCREENSHOTS") or os.path.join(ROOT, "_build", "screenshots")
CHROMIUM = os.environ.get("LNGEO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Page:
    path: str  # relative to the HTML root
    player: bool  # has a static frame player (figure.lngeo-static-explorer)
    min_math: int  # at least this many typeset equations (mjx-container)


# Add a chapter here, one line each.
PAGES = [
    Page("intro.html", player=False, min_math=3),
    Page("chapters/01_composition.html", player=True, min_math=40),
    Page("chapters/02_projection.html", player=True, min_math=20),
    Page("chapters/03_scaling.html", player=True, min_math=20),
    Page("chapters/04_affine.html", player=True, min_math=20),
    Page("chapters/05_output_set.html", player=True, min_math=20),
    Page("chapters/06_dynamics.html", player=True, min_math=20),
    Page("chapters/07_real_model.html", player=True, min_math=5),
    Page("api.html", player=False, min_math=10),
]

# External URL (regex, full match) -> file in tests/browser/node_modules (\1 = the captured tail).
CDN_ROUTES = [
    (r"https://cdn\.jsdelivr\.net/npm/mathjax@3/(.+)", "mathjax/{0}"),
    (r"https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/2\.3\.4/require\.min\.js", "requirejs/require.js"),
    # No route for the frame players: matplotlib's jshtml template links Font Awesome from a
    # CDN, lngeo.explorer.offline_player_html removes it (text symbols on the buttons), and
    # _check_player asserts that a player refers to no other host.
]

# External URLs (regex, full match) the test aborts on purpose, with the reason. A console error
# "Failed to load resource" whose source is one of these is expected; any other external
# request is aborted too, but fails the test.
ALLOWED_ABORTS = {
    r"https://cdn\.jsdelivr\.net/npm/@jupyter-widgets/html-manager@[^/]+/dist/embed-amd\.js":
        "ipywidgets' HTML widget manager: myst-nb adds it to every page whose notebook metadata "
        "carries widget state, but the chapters remove the live widgets' outputs "
        "(remove-output), so there is no widget view for it to render (checked below)",
}

# Console errors / page errors every page may show (regex, searched in the message).
ALLOWED_ERRORS = {
    r"Identifier 'THEBE_JS_URL' has already been declared":
        "sphinx-thebe injects its config twice on every Jupyter Book 1 page (harmless)",
    r"^Got invalid theme mode: \. Resetting to auto\.$":
        "pydata-sphinx-theme logs this on a reader's first visit (empty localStorage) when the "
        "theme option default_mode is unset; harmless (falls back to auto); disappears with "
        "html_theme_options default_mode: auto|light",
}

# Accessibility: axe-core (npm, pinned in tests/browser/package.json) on every page, in light
# and dark mode, WCAG 2.1 A and AA. A serious or critical violation inside what the book owns
# (the article, the book's footer text) fails the test. Findings in the theme's own chrome
# (header, sidebars, search) are reported; those seen are listed here with their upstream
# reference and do not fail.
AXE = os.path.join(ASSETS, "axe-core", "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BOOK_OWNED = ".bd-article, .lngeo-licence"
THEME_OWNED: dict[str, str] = {
    "label-content-name-mismatch":
        "pydata-sphinx-theme 0.16 (under sphinx-book-theme 1.3): the header's search button "
        "(aria-label 'Search' around the text 'Search Ctrl+K') and the light/dark switch "
        "(aria-label 'light/dark' around icons titled 'Current theme: …', added in "
        "pydata/pydata-sphinx-theme#1924); no upstream issue found for the mismatch yet",
}

# Raw TeX that should never reach the reader (searched in the article's visible text, code excluded).
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\[A-Za-z]{2,}")


def _local_asset(url: str) -> str | None:
    """The local file that answers ``url``, or None when no route matches."""
    bare = urllib.parse.urldefrag(url)[0].split("?", 1)[0]
    for pattern, target in CDN_ROUTES:
        m = re.fullmatch(pattern, bare)
        if m:
            path = os.path.normpath(os.path.join(ASSETS, target.format(*m.groups())))
            return path if path.startswith(ASSETS + os.sep) else None
    return None


def _allowed_abort(url: str) -> str | None:
    bare = url.split("?", 1)[0]
    for pattern, reason in ALLOWED_ABORTS.items():
        if re.fullmatch(pattern, bare):
            return reason
    return None


def _allowed_error(text: str) -> bool:
    return any(re.search(p, text) for p in ALLOWED_ERRORS)


_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.I)
_URL_ATTR = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
_INTEGRITY = re.compile(r"""\s+integrity\s*=\s*["'][^"']*["']""", re.I)


def strip_sri_of_substituted(html: str) -> tuple[str, list[str]]:
    """Remove ``integrity=`` from the tags whose file the test serves from a local copy."""
    stripped = []

    def fix(m: re.Match) -> str:
        tag = m.group(0)
        url = _URL_ATTR.search(tag)
        if url and _INTEGRITY.search(tag) and _local_asset(url.group(1)):
            stripped.append(url.group(1))
            return _INTEGRITY.sub("", tag)
        return tag

    return _TAG.sub(fix, html), stripped


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def playwright_module():
    return require_module("playwright.sync_api", "pip install playwright==1.65.2  (no 'playwright install' needed)")


@pytest.fixture(scope="module")
def chromium(playwright_module):
    exe = require_executable(CHROMIUM, "apt-get install -y chromium  (or set LNGEO_CHROMIUM)")
    require(
        os.path.isfile(os.path.join(ASSETS, "mathjax", "es5", "tex-mml-chtml.js")),
        f"local CDN copies missing in {ASSETS}; run: cd tests/browser && npm ci",
    )
    pw = playwright_module.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture(scope="module")
def book_server(chromium, request):
    """Serve the built book on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    html_root = request.getfixturevalue("built_book")
    handler = functools.partial(_QuietHandler, directory=str(html_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def shots_dir():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    return SCREENSHOTS


class Recorder:
    """Routes every request of a browser context and records what happened."""

    def __init__(self, base: str):
        self.base = base
        self.served = {}  # external URL -> local file
        self.aborted_ok = {}  # external URL -> reason
        self.unexpected = []  # external URLs nobody answers
        self.missing = []  # routed, but the local file does not exist
        self.sri_stripped = []
        self.local_failures = []  # local URLs answered with status >= 400

    def handle(self, route):
        req = route.request
        url = req.url
        if url.startswith(self.base):
            if req.resource_type == "document":
                response = route.fetch()
                html, stripped = strip_sri_of_substituted(response.text())
                self.sri_stripped += stripped
                route.fulfill(response=response, body=html)
            else:
                route.continue_()
            return
        if url.startswith(("data:", "blob:", "about:")):
            route.continue_()
            return
        local = _local_asset(url)
        if local is not None:
            if os.path.isfile(local):
                self.served[url] = local
                route.fulfill(path=local, headers={"Access-Control-Allow-Origin": "*"})
            else:
                self.missing.append(f"{url} -> {local}")
                route.abort()
            return
        reason = _allowed_abort(url)
        if reason is not None:
            self.aborted_ok[url] = reason
        else:
            self.unexpected.append(url)
        route.abort()

    def on_response(self, response):
        if response.url.startswith(self.base) and response.status >= 400:
            self.local_failures.append(f"{response.status} {response.url}")


def _note(lines: list[str], text: str) -> None:
    print(text)
    lines.append(text)


@pytest.mark.slow
@pytest.mark.xdist_group("book")
@pytest.mark.parametrize("page_spec", PAGES, ids=[p.path for p in PAGES])
def test_page_in_browser(page_spec: Page, chromium, book_server, shots_dir):
    started = time.perf_counter()
    rec = Recorder(book_server)
    context = chromium.new_context(viewport=VIEWPORT, service_workers="block")
    context.route("**/*", rec.handle)
    page = context.new_page()
    # A slow, busy 2-core machine must not fail the test: generous time for every step.
    page.set_default_timeout(120_000)
    page.set_default_navigation_timeout(120_000)
    errors, allowed_seen = [], []

    def on_console(msg):
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url", "")
        if _allowed_error(msg.text) or (msg.text.startswith("Failed to load resource") and _allowed_abort(source)):
            allowed_seen.append(msg.text)
        else:
            errors.append(f"console error: {msg.text}  [{source}]")

    def on_pageerror(exc):
        text = f"{getattr(exc, 'name', '')}: {getattr(exc, 'message', exc)}"
        if _allowed_error(text):
            allowed_seen.append(text)
        else:
            errors.append(f"page error: {text}")

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("response", rec.on_response)

    problems: list[str] = []
    log: list[str] = []
    stem = page_spec.path.replace("/", "_").removesuffix(".html")
    try:
        page.goto(book_server + page_spec.path, wait_until="load")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=120_000)
        page.evaluate("() => MathJax.startup.promise")
        page.evaluate("() => document.fonts.ready.then(() => true)")

        # --- equations ---------------------------------------------------------------------
        math = page.evaluate(
            """() => {
                const els = [...document.querySelectorAll('article .math, main .math')];
                const notTypeset = els.filter(e => !e.querySelector('mjx-container'))
                                      .map(e => e.textContent.trim().slice(0, 80));
                const errs = [...document.querySelectorAll('mjx-merror')]
                                      .map(e => e.textContent.trim().slice(0, 80));
                return {math: els.length, mjx: document.querySelectorAll('mjx-container').length,
                        notTypeset, errs};
            }"""
        )
        _note(log, f"{page_spec.path}: {math['mjx']} mjx-container for {math['math']} math elements")
        if math["mjx"] < page_spec.min_math:
            problems.append(f"only {math['mjx']} typeset equations (mjx-container), expected >= {page_spec.min_math}")
        if math["notTypeset"]:
            problems.append(f"{len(math['notTypeset'])} equations not typeset, e.g. {math['notTypeset'][:3]}")
        if math["errs"]:
            problems.append(f"MathJax TeX errors (mjx-merror): {math['errs'][:5]}")
        prose = page.evaluate(
            """() => {
                const root = document.querySelector('article') || document.querySelector('main') || document.body;
                const copy = root.cloneNode(true);
                copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_input, .highlight, textarea')
                    .forEach(e => e.remove());
                return copy.textContent;
            }"""
        )
        raw = sorted({prose[max(0, m.start() - 30): m.end() + 30].replace("\n", " ") for m in RAW_TEX.finditer(prose)})
        if raw:
            problems.append(f"raw TeX visible in the text: {raw[:8]}")

        # --- widgets, images ---------------------------------------------------------------
        widgets = page.evaluate(
            """() => ({
                views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
                rendered: document.querySelectorAll('.jupyter-widgets, .widget-area, .jp-OutputArea-output .widget-box').length,
                state: document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]').length,
                stateBytes: [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]')]
                              .reduce((n, s) => n + s.textContent.length, 0),
                text: /Error displaying widget|Loading widget/.test(document.body.innerText),
            })"""
        )
        if widgets["views"] or widgets["rendered"] or widgets["text"]:
            problems.append(
                f"ipywidgets output on a static page ({widgets['views']} widget-view scripts, "
                f"{widgets['rendered']} rendered widgets): its sliders would never redraw; use remove-output"
            )
        if widgets["state"]:
            _note(log, f"{page_spec.path}: note: {widgets['stateBytes'] // 1000} kB of unused ipywidgets state embedded "
                       "(pulls require.js + the widget manager from CDNs)")
        broken = page.evaluate(
            """() => [...document.images].filter(i => i.loading !== 'lazy' && i.complete && i.naturalWidth === 0)
                                          .map(i => (i.currentSrc || i.src).slice(0, 100))"""
        )
        if broken:
            problems.append(f"broken images: {broken}")
        no_alt = page.evaluate(
            """() => [...document.querySelectorAll('article img')]
                   .filter(i => !(i.getAttribute('alt') || '').trim() && !i.closest('[aria-label]'))
                   .map(i => (i.getAttribute('src') || i.id).slice(0, 80))"""
        )
        if no_alt:
            problems.append(f"images without alt text (DESIGN: figures have alt text): {no_alt}")

        problems += _accessibility(page, "light", log)
        _screenshot(page, os.path.join(shots_dir, f"{stem}-full.png"), log, full_page=True)
        # What a reader whose system prefers dark mode sees (the theme's default mode is "auto").
        page.emulate_media(color_scheme="dark")
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'", timeout=30000)
        # Let the theme's colour transitions finish: axe measures computed colours, and mid-way
        # the header's search text on a half-dark background fails a contrast it meets (5.3:1).
        page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
        problems += _accessibility(page, "dark", log)
        _screenshot(page, os.path.join(shots_dir, f"{stem}-dark-full.png"), log, full_page=True)
        page.emulate_media(color_scheme="light")

        # --- the static frame player -------------------------------------------------------
        players = page.locator("figure.lngeo-static-explorer")
        n_players = players.count()
        if page_spec.player and n_players == 0:
            problems.append("no static player (figure.lngeo-static-explorer) on the page")
        if not page_spec.player and n_players:
            problems.append(f"{n_players} static players found but PAGES says none: update PAGES")
        for k in range(n_players):
            problems += _check_player(players.nth(k), f"{stem}-player{k}", shots_dir, log)
    finally:
        # --- network and console -----------------------------------------------------------
        for url, local in sorted(rec.served.items()):
            print(f"  served locally: {url} -> {os.path.relpath(local, ROOT)}")
        for url, reason in sorted(rec.aborted_ok.items()):
            print(f"  aborted (allowed): {url}  -- {reason}")
        if rec.sri_stripped:
            print(f"  SRI integrity removed for substituted files: {sorted(set(rec.sri_stripped))}")
        for text in allowed_seen:
            print(f"  allowed error: {text}")
        context.close()

    if rec.unexpected:
        problems.append(
            "requests to external hosts nobody serves (aborted); add a local copy to CDN_ROUTES "
            f"or a documented entry to ALLOWED_ABORTS: {sorted(set(rec.unexpected))}"
        )
    if rec.missing:
        problems.append(f"routed CDN files missing locally (npm ci in tests/browser?): {rec.missing}")
    if rec.local_failures:
        problems.append(f"the book's own files failed to load: {rec.local_failures}")
    problems += errors
    print(f"  {page_spec.path}: {time.perf_counter() - started:.1f} s in the browser")
    assert not problems, f"{page_spec.path}:\n  - " + "\n  - ".join(problems) + "\n" + "\n".join(log)


def _digest(src: str) -> str:
    return hashlib.sha1(src.encode()).hexdigest()[:12]


def _check_player(fig, stem: str, shots_dir: str, log: list[str]) -> list[str]:
    """Move the player's slider and click "Next frame": the picture must change each time."""
    problems = []
    slider = fig.locator('input[type="range"]')
    img = fig.locator("img")
    if slider.count() != 1 or img.count() != 1:
        return [f"{stem}: expected one range input and one img, found {slider.count()} and {img.count()}"]
    fig.scroll_into_view_if_needed()
    info = slider.evaluate("s => ({min: +s.min, max: +s.max, value: +s.value})")
    if info["max"] - info["min"] < 1:
        return [f"{stem}: the slider has a single frame ({info})"]
    external = fig.evaluate(
        """f => [...f.querySelectorAll('[src], [href]')]
                  .map(e => e.getAttribute('src') || e.getAttribute('href'))
                  .filter(u => /^(https?:)?\\/\\//i.test(u))"""
    )
    if external or fig.locator("link, i.fa").count():
        problems.append(f"{stem}: the player refers to another host (a CDN): {external[:3]}")
    labels = fig.locator("button").evaluate_all("bs => bs.map(b => [b.getAttribute('aria-label'), b.innerText.trim()])")
    if len(labels) != 9 or not all(label and text for label, text in labels):
        problems.append(f"{stem}: player buttons need an aria-label and a visible symbol each: {labels}")
    src0 = img.get_attribute("src") or ""
    if not src0.startswith("data:image/"):
        problems.append(f"{stem}: img src is not a data URI: {src0[:60]!r}")
    size = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    if not size[0]:
        problems.append(f"{stem}: the first frame does not decode")
    before = os.path.join(shots_dir, f"{stem}-before.png")
    _screenshot(fig, before, log)

    target = (info["min"] + info["max"] + 1) // 2
    slider.evaluate(
        """(s, v) => { s.value = String(v);
                       s.dispatchEvent(new Event('input', {bubbles: true}));
                       s.dispatchEvent(new Event('change', {bubbles: true})); }""",
        target,
    )
    src1 = img.get_attribute("src") or ""
    if src1 == src0:
        problems.append(f"{stem}: moving the slider to {target} did not change the picture")
    after = os.path.join(shots_dir, f"{stem}-after.png")
    _screenshot(fig, after, log)

    # From the keyboard: Tab reaches the slider, an arrow key moves it and the picture.
    slider.focus()
    focused = slider.evaluate("s => document.activeElement === s")
    slider.press("ArrowRight")
    src_key = img.get_attribute("src") or ""
    value_key = slider.evaluate("s => +s.value")
    if not focused or value_key != target + 1 or src_key == src1:
        problems.append(f"{stem}: not operable from the keyboard (focused {focused}, "
                        f"value {value_key} after ArrowRight from {target}, picture changed: {src_key != src1})")
    slider.press("ArrowLeft")
    src1 = img.get_attribute("src") or ""

    fig.locator('button[title="Next frame"]').click()
    src2 = img.get_attribute("src") or ""
    value2 = slider.evaluate("s => +s.value")
    if src2 == src1 or value2 != target + 1:
        problems.append(f"{stem}: 'Next frame' did not advance (slider {value2}, picture changed: {src2 != src1})")

    frames = slider.evaluate(
        """s => { const img = s.closest('figure').querySelector('img'), seen = [];
                  for (let v = +s.min; v <= +s.max; v++) {
                      s.value = String(v); s.dispatchEvent(new Event('input', {bubbles: true}));
                      seen.push(img.src); }
                  return seen; }"""
    )
    distinct = len({_digest(f) for f in frames})
    _note(log, f"{stem}: {len(frames)} frames, {distinct} distinct, {size[0]}x{size[1]} px; "
               f"screenshots: {before} {after}")
    if distinct < 2:
        problems.append(f"{stem}: all {len(frames)} frames are identical")
    return problems


def _axe(page) -> list[dict]:
    """Serious and critical axe-core violations, one dict per offending node."""
    page.add_script_tag(path=AXE)
    return page.evaluate(
        """async ([tags, owned]) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            const out = [];
            for (const v of r.violations) for (const n of v.nodes) {
                const impact = n.impact || v.impact;
                if (impact !== 'serious' && impact !== 'critical') continue;
                const el = document.querySelector(n.target[0]);
                out.push({id: v.id, impact, help: v.help, target: n.target.join(' '),
                          html: n.html.slice(0, 140), book: !!(el && el.closest(owned))});
            }
            return out;
        }""",
        [AXE_TAGS, BOOK_OWNED],
    )


def _accessibility(page, mode: str, log: list[str]) -> list[str]:
    found = _axe(page)
    book = [f for f in found if f["book"]]
    theme = [f for f in found if not f["book"]]
    _note(log, f"axe-core ({mode}): {len(book)} serious/critical in the book, {len(theme)} in the theme")
    for f in theme:
        _note(log, f"  theme ({THEME_OWNED.get(f['id'], 'not listed')}): {f['id']} {f['target']}")
    return [f"accessibility ({mode}): {f['id']} ({f['impact']}): {f['help']} at {f['target']}: {f['html']}"
            for f in book] + [f"accessibility ({mode}): theme finding {f['id']} at {f['target']} is not "
                              "listed in THEME_OWNED with its upstream issue" for f in theme
                              if f["id"] not in THEME_OWNED]


def _screenshot(target, path: str, log: list[str], **kwargs) -> None:
    """Take a screenshot as evidence; on a slow machine a timeout is noted, never a failure."""
    try:
        target.screenshot(path=path, timeout=90_000, **kwargs)
        _note(log, f"screenshot: {path}")
    except Exception as exc:  # noqa: BLE001 - evidence only
        _note(log, f"screenshot skipped ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}): {path}")
