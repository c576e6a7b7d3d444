"""The whole book builds with warnings as errors, and every page is there and clean."""

from __future__ import annotations

import re

import pytest

from test_chapters import NOTEBOOKS, toc_files

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

TRACEBACK_SIGNS = ["Traceback (most recent call last)", 'class="output traceback', "ansi-red-intense-fg", "Error in callback"]


def test_every_toc_entry_has_a_built_page(built_book):
    for entry in toc_files():
        page = built_book / f"{entry}.html"
        assert page.exists(), f"no page built for {entry}"
        assert page.stat().st_size > 2000


def test_no_page_shows_an_error_traceback(built_book):
    for entry in toc_files():
        text = (built_book / f"{entry}.html").read_text(encoding="utf-8")
        for sign in TRACEBACK_SIGNS:
            assert sign not in text, f"{entry}.html contains {sign!r}"


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_chapter_pages_have_a_moving_static_explorer_and_no_dead_widget(built_book, entry):
    text = (built_book / f"{entry}.html").read_text(encoding="utf-8")
    if not entry.startswith("chapters/"):
        return
    assert 'class="lngeo-static-explorer"' in text, f"{entry}: no static frame player"
    assert text.count("data:image/png;base64,") >= 1 or "frames[" in text
    assert "application/vnd.jupyter.widget-view+json" not in text, f"{entry}: a dead ipywidget is on the static page"


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_chapter_pages_have_launch_buttons_and_numbered_equations(built_book, entry):
    text = (built_book / f"{entry}.html").read_text(encoding="utf-8")
    assert "mybinder.org" in text, f"{entry}: no Binder launch button"
    # Thebe is off (_config.yml): its ipywidgets-7 manager cannot drive the explorers.
    assert "launch-thebe" not in text and "initThebe" not in text, f"{entry}: a Thebe live-code button"
    assert re.search(r'class="eqno"|\\tag\{|eq-', text), f"{entry}: no numbered equation"


def test_api_page_documents_the_public_functions(built_book):
    import lngeo

    text = (built_book / "api.html").read_text(encoding="utf-8")
    for name in lngeo.__all__:
        obj = getattr(lngeo, name)
        if callable(obj):
            assert f'id="lngeo.' in text and f"{name}" in text, f"api page lacks {name}"


def test_bibliography_resolves(built_book):
    text = (built_book / "intro.html").read_text(encoding="utf-8")
    assert "Riechers" in text and "2405.04134" in text and "1607.06450" in text
