"""How fast is a chapter live, in the browser (JupyterLite) and in JupyterLab (Binder's path)?

Usage: ``python benchmarks/lite.py [--drags K] [--chapters 01 05 ...]`` after ``make book``
(and ``make lab-env`` for the JupyterLab columns). Prints one table, measured in one run:

* **JupyterLite**, from the built site served on 127.0.0.1, in headless Chromium with no host
  but 127.0.0.1 resolvable: seconds from opening the chapter to its first slider a reader can
  move (the page opened, Pyodide started, the chapter's install cell and Run All done, the first
  explorer shown), with a **cold** cache (a new browser profile) and a **warm** one (the same
  profile, the chapter opened again), and the megabytes each visit downloaded (from
  127.0.0.1: what a cache saves here is transfer time, which a real network has and this does not;
  this server sends no Cache-Control, so the browser revalidates and gets 304s);
* **per update**: median and 95th percentile of the time from releasing a slider (dragged with
  the mouse) to the page showing the kernel's new image, over ``K`` drags of the first
  explorer's first slider, in JupyterLite and in JupyterLab;
* **Run All** seconds, from the notebook open with its kernel started, in JupyterLite (cold)
  and in **JupyterLab** (``.venv-lab``: JupyterLab 4.4.9 like Binder's image);
* the **site's size** with and without the lite app.

Run on an otherwise idle machine; the numbers are this machine's, not a reader's network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import lab_driver as D  # noqa: E402

HTML = ROOT / "_build" / "book" / "_build" / "html"
LAB = ROOT / ".venv-lab" / "bin" / "jupyter-lab"
CHROMIUM = os.environ.get("LNGEO_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1440, "height": 900}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _first_explorer(page, cells):
    (index, mid), *_ = D.explorers(page, cells)
    page.evaluate(D.SCROLL_TO, index)
    out = page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"] .jp-OutputArea')
    out.locator(".widget-slider .noUi-handle").first.wait_for(state="visible")
    return index, mid, out


def _open_and_run(page, url: str, path: str):
    """Open ``url``, Run All; return (seconds to the first movable slider, explorer handle)."""
    opened = time.monotonic()
    assert D.open_notebook(page, url) == path
    started = time.monotonic()
    cells = page.evaluate(D.RUN_ALL, 600_000)
    run_all = time.monotonic() - started
    errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
    if errors:
        raise RuntimeError(f"{path}: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    explorer = _first_explorer(page, cells)
    return time.monotonic() - opened, run_all, explorer


def _updates(page, explorer, drags: int) -> list[float]:
    """Seconds from each slider release to the kernel's new image on the page."""
    index, mid, out = explorer
    times = []
    for k in range(drags):
        times.append(D.drag_and_wait(page, index, mid, out, dx=30 if k % 2 == 0 else -30)["seconds"])
    return times


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drags", type=int, default=9, help="slider drags per chapter and front end")
    parser.add_argument("--chapters", nargs="*", default=None, help="chapter prefixes, e.g. 01 07")
    args = parser.parse_args(argv)
    if not (HTML / "lite" / "lab" / "index.html").is_file():
        print("No built site with the lite app: run  make book", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    chapters = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
    if args.chapters:
        chapters = [c for c in chapters if c.startswith(tuple(args.chapters))]
    server, base, served = D.serve(HTML)
    work = Path(tempfile.mkdtemp(prefix="lngeo-bench-"))
    shutil.copytree(ROOT / "chapters", work / "chapters")
    lab = D.start_jupyterlab(str(LAB), work / "chapters", work) if LAB.exists() else None
    rows = []
    try:
        with sync_playwright() as pw:
            browser = D.launch_chromium(pw, CHROMIUM, offline=True)
            for chapter in chapters:
                path = f"chapters/{chapter}"
                row = {"chapter": chapter.removesuffix(".ipynb")}
                context = browser.new_context(viewport=VIEWPORT)  # a new profile: cold cache
                page = context.new_page()
                page.set_default_timeout(300_000)
                first = len(served)
                row["cold"], row["lite_run_all"], explorer = _open_and_run(
                    page, f"{base}lite/lab/index.html?path={path}", path)
                row["mb"] = sum(n for _, n in served[first:]) / 1e6
                lite_updates = _updates(page, explorer, args.drags)
                page.close()
                page = context.new_page()
                page.set_default_timeout(300_000)
                first = len(served)
                row["warm"], _, _ = _open_and_run(page, f"{base}lite/lab/index.html?path={path}", path)
                row["warm_mb"] = sum(n for _, n in served[first:]) / 1e6
                context.close()
                row["lite_med"], row["lite_p95"] = statistics.median(lite_updates), _p95(lite_updates)
                if lab:
                    _, lab_base, token = lab
                    context = browser.new_context(viewport=VIEWPORT)
                    page = context.new_page()
                    page.set_default_timeout(300_000)
                    _, row["lab_run_all"], explorer = _open_and_run(
                        page, f"{lab_base}lab/tree/{chapter}?token={token}&reset", chapter)
                    lab_updates = _updates(page, explorer, args.drags)
                    row["lab_med"], row["lab_p95"] = statistics.median(lab_updates), _p95(lab_updates)
                    context.close()
                rows.append(row)
                print(f"  measured {row['chapter']}", file=sys.stderr)
            browser.close()
    finally:
        server.shutdown()
        if lab:
            D.stop(lab[0])
        shutil.rmtree(work, ignore_errors=True)

    def ms(x):
        return f"{1000 * x:.0f}" if x is not None else "-"

    print(f"Per chapter, {args.drags} drags of the first explorer's first slider per front end.\n")
    print("| chapter | lite: first slider, cold (s) | warm (s) | download cold / warm (MB) | lite Run All (s) "
          "| lite update median / p95 (ms) | JupyterLab Run All (s) | JupyterLab update median / p95 (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        lab_cols = (f"{r['lab_run_all']:.1f} | {ms(r['lab_med'])} / {ms(r['lab_p95'])}"
                    if "lab_run_all" in r else "- | -")
        print(f"| {r['chapter']} | {r['cold']:.1f} | {r['warm']:.1f} | {r['mb']:.1f} / {r['warm_mb']:.1f} "
              f"| {r['lite_run_all']:.1f} "
              f"| {ms(r['lite_med'])} / {ms(r['lite_p95'])} | {lab_cols} |")
    total, lite = _size(HTML), _size(HTML / "lite")
    print(f"\nSite: {total / 1e6:.0f} MB with the lite app, {(total - lite) / 1e6:.0f} MB without it "
          f"(lite/: {lite / 1e6:.0f} MB, of which Pyodide and its packages "
          f"{_size(HTML / 'lite' / 'static' / 'pyodide') / 1e6:.0f} MB, piplite wheels "
          f"{_size(HTML / 'lite' / 'pypi') / 1e6:.0f} MB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
