"""Sphinx extension: keep the live explorers' ipywidgets state out of the built pages.

Executing a chapter stores every widget's state in the notebook's metadata, and myst-nb
embeds it in the page (~200 kB per chapter) with a script tag for ipywidgets' HTML manager.
The static pages show frame players instead of live widgets and load no widget JavaScript,
so the state is dead weight. This drops it after each document is read. The chapters
themselves are untouched: "Run all" in Binder or JupyterLab builds its widgets afresh.
"""

from __future__ import annotations

WIDGET_KEYS = ("ipywidgets_state",)


def _drop_widget_state(app, doctree) -> None:
    data = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    js_files = data.get("js_files", {})
    for key in list(js_files):
        if key in WIDGET_KEYS or key.startswith("ipywidgets_"):
            del js_files[key]


def setup(app):
    app.connect("doctree-read", _drop_widget_state)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
