"""``make pdf``: the whole book as one PDF, printed offline by the Chromium the tests use.

Each page of ``_toc.yml`` is opened from the built HTML (served on 127.0.0.1), its equations
typeset by MathJax (served from ``tests/browser/node_modules``, no network), its static frame
players reduced to their first frame (the controls are hidden in print), and printed to PDF
by headless Chromium; pypdf then merges the pages behind a table of contents with page
numbers and adds one bookmark per page. Output: ``<html>/lngeo-book.pdf`` (linked from the
front page).

Usage: ``python tools/pdf.py _build/book/_build/html``.
"""

from __future__ import annotations

import functools
import html
import http.server
import io
import os
import re
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from site_check import toc_pages  # noqa: E402

ASSETS = ROOT / "tests" / "browser" / "node_modules"
CHROMIUM = os.environ.get("LNGEO_CHROMIUM", "/usr/bin/chromium")
MATHJAX = re.compile(r"https://cdn\.jsdelivr\.net/npm/mathjax@3/(.+)")
# The theme's chrome is hidden; _static/lngeo.css hides the players' controls in print.
PRINT_CSS = """
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer-article, .prev-next-area,
.header-article, .bd-header-article, footer { display: none !important; }
details { display: block; }
"""
OUTPUT = "lngeo-book.pdf"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _route(route):
    url = route.request.url
    m = MATHJAX.fullmatch(url.split("?", 1)[0])
    if m and (ASSETS / "mathjax" / m.group(1)).is_file():
        route.fulfill(path=str(ASSETS / "mathjax" / m.group(1)))
    elif url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
        route.continue_()
    else:  # no network: fonts for player icons, require.js, widget manager
        route.abort()


def _title(page) -> str:
    return page.evaluate("() => (document.querySelector('article h1') || {}).textContent || document.title")


def print_pages(html_root: Path) -> list[tuple[str, bytes]]:
    """Print every _toc.yml page; returns (title, pdf bytes) in reading order."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(html_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    out = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(service_workers="block").new_page()
            page.route("**/*", _route)
            for name in toc_pages():
                page.goto(base + name + ".html", wait_until="load", timeout=120_000)
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                       timeout=120_000)
                page.evaluate("() => MathJax.startup.promise")
                page.add_style_tag(content=PRINT_CSS)
                page.emulate_media(media="print", color_scheme="light")
                title = " ".join(_title(page).replace("#", "").split())
                pdf = page.pdf(format="A4", print_background=False,
                               margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
                out.append((title, pdf))
                print(f"pdf: {name}: {title}")
            browser.close()
    finally:
        server.shutdown()
    return out


def contents_page(entries: list[tuple[str, int]]) -> bytes:
    """A one-page table of contents (title, first page), printed by Chromium."""
    from playwright.sync_api import sync_playwright

    rows = "".join(f"<tr><td>{html.escape(t)}</td><td>{p}</td></tr>" for t, p in entries)
    doc = f"""<html><head><meta charset="utf-8"><style>
      body {{ font-family: 'DejaVu Sans', sans-serif; margin: 0 }} h1 {{ font-size: 28px }}
      table {{ width: 100%; border-collapse: collapse; font-size: 15px }}
      td {{ padding: 6px 0; border-bottom: 1px dotted #999 }} td + td {{ text-align: right }}
      </style></head><body><h1>The Geometry of LayerNorm</h1><h2>Contents</h2>
      <table>{rows}</table></body></html>"""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content(doc)
        pdf = page.pdf(format="A4", margin={"top": "25mm", "bottom": "25mm", "left": "20mm", "right": "20mm"})
        browser.close()
    return pdf


def build(html_root: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    printed = print_pages(html_root)
    counts = [len(PdfReader(io.BytesIO(pdf)).pages) for _, pdf in printed]
    toc_len = len(PdfReader(io.BytesIO(contents_page([(t, 1) for t, _ in printed]))).pages)
    starts, page_no = [], toc_len + 1
    for n in counts:
        starts.append(page_no)
        page_no += n
    toc = contents_page([(t, s) for (t, _), s in zip(printed, starts)])
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(toc)))
    writer.add_outline_item(title="Contents", page_number=0)
    for (title, pdf), start in zip(printed, starts):
        writer.append(PdfReader(io.BytesIO(pdf)))
        writer.add_outline_item(title=title, page_number=start - 1)
    writer.add_metadata({"/Title": "The Geometry of LayerNorm", "/Author": "The lngeo authors"})
    target = html_root / OUTPUT
    with open(target, "wb") as fh:
        writer.write(fh)
    print(f"pdf: {target} ({page_no - 1} pages, {target.stat().st_size // 1000} kB)")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    build(Path(sys.argv[1]))
