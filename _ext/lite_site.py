"""Sphinx extension: every chapter live in the reader's browser (JupyterLite), from the site itself.

jupyterlite-sphinx builds the JupyterLite app into ``<html>/lite/`` at the end of the build.
This extension gives it what to serve and tells the reader about it:

* **builder-inited**: the *lite dir* (``tools/lite.py assemble``): Pyodide 0.27.7 self-hosted
  (npm's core; package files checked against the official lock's SHA-256), piplite wheels
  (``lngeo`` from this checkout, ipywidgets, ..., and chapter 7's recorded activations from
  ``tools/record_activations.py``), the PyPI fallback off. The book's chapters go in as they
  are (the committed ones, or the student edition's); their first, hidden cell installs the
  wheels, only under Pyodide.
* **config-inited**: jupyterlite-sphinx's own page assets are dropped (see ``_UNUSED_ASSETS``).
* **html-page-context**, on every chapter page: a short "Run this chapter" box under the title
  with the links of the launch menu (JupyterLite beside Binder) and what each one costs.

Nothing here needs the network: ``make`` downloads the cache (``tools/lite.py fetch``) with the
environment, and the build fails if it is missing.
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import sys
from pathlib import Path


def _repo() -> Path:
    """The checkout whose ``lngeo`` the build imports (editable install): its ``tools/`` and
    ``lngeo`` make the lite dir, also for a book source elsewhere (the student edition)."""
    import lngeo

    return Path(lngeo.__file__).resolve().parent.parent


def _tool(name: str):
    path = _repo() / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_lngeo_tools_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _work_dir(app) -> Path:
    return Path(app.outdir).parent / "lite-work"


#: What jupyterlite-sphinx adds to every page for its own directives, which the book does not
#: use: its stylesheet, its script, and a web font from fonts.googleapis.com (a request to
#: another host from every page).
_UNUSED_ASSETS = ("jupyterlite_sphinx.css", "jupyterlite_sphinx.js", "fonts.googleapis.com")


def _configure(app, config) -> None:
    for registry in (app.registry.css_files, app.registry.js_files):
        registry[:] = [entry for entry in registry
                       if not any(name in str(entry[0]) for name in _UNUSED_ASSETS)]
    # Keep jupyterlite-sphinx's staging folder out of the repository (it empties it at start).
    config.jupyterlite_content_dir = str(_work_dir(app) / "contents")
    config.jupyterlite_dir = str(_work_dir(app) / "lite-dir")
    config.jupyterlite_config = str(_work_dir(app) / "lite-dir" / "jupyter_lite_config.json")


def _assemble(app) -> None:
    if app.builder.format != "html":
        return
    lite = _tool("lite")
    cache = Path(app.config.lngeo_lite_cache)
    if not lite.npm_tarball(cache).exists():
        raise RuntimeError(f"{cache} has no Pyodide: run  python tools/lite.py fetch {cache}  (make does)")
    work = _work_dir(app)
    wheel, _ = _tool("record_activations").build_wheel(work / "recording")
    summary = lite.assemble(cache, Path(app.config.jupyterlite_dir), [wheel])
    chapters = Path(app.config.jupyterlite_content_dir) / "chapters"
    chapters.mkdir(parents=True, exist_ok=True)
    for nb in sorted(Path(app.srcdir, "chapters").glob("*.ipynb")):
        shutil.copy2(nb, chapters / nb.name)
    # A doit database left by an interrupted build would skip tasks whose outputs are gone.
    Path(app.srcdir, ".jupyterlite.doit.db").unlink(missing_ok=True)
    print(f"[lite_site] lite dir: {len(summary['pyodide_packages'])} Pyodide packages, "
          f"{len(summary['wheels'])} wheels, {summary['bytes'] / 1e6:.1f} MB", file=sys.stderr)


def _launch_urls(context) -> dict[str, str]:
    urls = {}
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("type") == "link":
                urls[button.get("text")] = button.get("url")
    return urls


def run_box(lite_url: str, binder_url: str | None, recorded: bool) -> str:
    """The "Run this chapter" box: each way to run the chapter live, and what it costs."""
    items = [
        f'<li><a href="{html.escape(lite_url)}">In your browser</a> (JupyterLite): nothing to install '
        "and no server. The first visit downloads tens of megabytes (Python compiled to "
        "WebAssembly, numpy, matplotlib and this book's package, all served by this site); on "
        "later visits your browser serves much of it from its cache. Running a chapter takes longer there than "
        "on a server: Python compiled to WebAssembly is slower.</li>"
    ]
    if binder_url:
        items.append(
            f'<li><a href="{html.escape(binder_url)}">On Binder</a>: JupyterLab on a server lent by '
            "mybinder.org. Starting one can take several minutes, and the service is sometimes "
            "unavailable.</li>"
        )
    items.append("<li>On your own machine: <code>make lab</code> (see the README).</li>")
    note = ""
    if recorded:
        note = ("<p>In the browser, this chapter reads the model's activations recorded when the book "
                "was built: the tokenizer the model needs has no WebAssembly build.</p>")
    return ('<aside class="lngeo-run" aria-label="Run this chapter">'
            "<p><strong>Run this chapter live</strong>: every explorer's sliders move and every cell "
            f"can be edited.</p><ul>{''.join(items)}</ul>{note}</aside>")


_H1_END = re.compile(r"</h1>")


def _add_run_box(app, pagename, templatename, context, doctree) -> None:
    if not pagename.startswith("chapters/") or "body" not in context:
        return
    urls = _launch_urls(context)
    if "JupyterLite" not in urls:
        raise RuntimeError(f"{pagename}: the launch menu has no JupyterLite button (launch_buttons)")
    box = run_box(urls["JupyterLite"], urls.get("Binder"), recorded=pagename.endswith("07_real_model"))
    context["body"] = _H1_END.sub(lambda m: m.group(0) + box, context["body"], count=1)


def setup(app):
    app.add_config_value("lngeo_lite_cache", str(_repo() / "_build" / ".cache" / "lite"), "html")
    app.connect("config-inited", _configure, priority=400)
    app.connect("builder-inited", _assemble)
    app.connect("html-page-context", _add_run_box, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
