"""Sphinx extension: lean, accessible pages (local; listed in _config.yml).

1. **No unused ipywidgets state.** Executing a chapter stores every widget's state in the
   notebook's metadata, and myst-nb embeds it in the page (~200 kB per chapter) with a script
   tag for ipywidgets' HTML manager. The static pages show frame players, not live widgets,
   and load no widget JavaScript, so the state is dead weight: it is dropped after each
   document is read. The chapters are untouched: "Run all" in Binder or JupyterLab builds its
   widgets afresh.
2. **Accessible names that match what is shown** (WCAG 2.5.3, "label in name"). myst-nb's
   hidden-cell toggles are ``<summary aria-label="Toggle hidden content">`` around the visible
   words "Show code cell source"; the aria-label hides those words from speech input. It is
   removed, so the visible text is the name.
3. **A valid list role** (WCAG 1.3.1). docutils writes the bibliography as
   ``<div role="list" class="citation-list">`` whose children are not list items; the role is
   removed (the entries keep ``role="doc-biblioentry"``).

Items 2 and 3 rewrite the built HTML files at the end of the build.
"""

from __future__ import annotations

import re
from pathlib import Path

_SUMMARY = re.compile(r'<summary aria-label="Toggle hidden content">')
_CITATIONS = re.compile(r'<div role="list" class="citation-list">')


def _drop_widget_state(app, doctree) -> None:
    data = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    js_files = data.get("js_files", {})
    for key in list(js_files):
        if key.startswith("ipywidgets_"):
            del js_files[key]


def fix_html(html: str) -> str:
    """Apply fixes 2 and 3 to one page's HTML."""
    html = _SUMMARY.sub("<summary>", html)
    return _CITATIONS.sub('<div class="citation-list">', html)


def _rewrite_pages(app, exception) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        fixed = fix_html(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("doctree-read", _drop_widget_state)
    app.connect("build-finished", _rewrite_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
