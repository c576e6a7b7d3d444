"""Publishing: the deployment workflow, citation metadata, licences, the site and the PDF."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, require, require_executable, require_module

ROOT = Path(ROOT)
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tools"))
import citation  # noqa: E402
import site_check  # noqa: E402


def _tool(name: str) -> str:
    path = BIN / name
    require(path.exists(), f"{name} is not installed in {BIN}; pip install -r requirements-test.txt")
    return str(path)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120)


def test_workflow_passes_actionlint():
    proc = _run(_tool("actionlint"), "-no-color", str(WORKFLOW))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_matches_githubs_schema():
    proc = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(WORKFLOW.read_text().replace("${{ github.ref }}", "${{ github.no_such_field }}"))
    assert _run(_tool("actionlint"), "-no-color", str(bad)).returncode != 0


def test_workflow_tests_builds_and_deploys_only_a_checked_site_from_main():
    flow = yaml.safe_load(WORKFLOW.read_text())
    runs = [s.get("run", "") for s in flow["jobs"]["build"]["steps"]]
    uses = [s.get("uses", "") for s in flow["jobs"]["build"]["steps"]]
    order = [next(i for i, r in enumerate(runs) if cmd in r) for cmd in
             ("make test", "make book", "make pdf", "tools/site_check.py")]
    assert order == sorted(order), "test, then book, then PDF, then the site check"
    upload = next(i for i, u in enumerate(uses) if u.startswith("actions/upload-pages-artifact"))
    assert upload > order[-1], "nothing is uploaded before the site check passed"
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_citation_file_is_valid_cff():
    proc = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.citation-file-format",
                str(ROOT / "CITATION.cff"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_citation_file_is_generated_from_the_one_repository_url():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["repository-code"] == config["repository"]["url"]
    assert cff["url"] == citation.pages_url(config["repository"]["url"])
    assert citation.main(["--check"]) == 0, "CITATION.cff is stale: run python tools/citation.py"


def test_the_repository_url_is_written_in_one_place_only():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    holders = [f for f in tracked if f not in {"_config.yml", "CITATION.cff"}
               and (ROOT / f).is_file() and url in (ROOT / f).read_text(errors="ignore")]
    assert holders == [], f"the repository URL is copied into {holders}: read it from _config.yml"


def test_code_and_text_are_licensed():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-CONTENT.md").read_text()
    import tomllib
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MIT"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_every_page_shows_both_licences_in_its_footer(built_book):
    for page in site_check.toc_pages():
        html = (built_book / f"{page}.html").read_text()
        assert "CC BY 4.0" in html and "MIT</a>" in html, f"{page}.html: no licence in the footer"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_site_check_accepts_the_built_book_and_refuses_a_partial_one(built_book, tmp_path):
    assert site_check.problems(built_book) == []
    pages = site_check.toc_pages()
    for page in pages[:-1]:  # every page but the last chapter
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(built_book / f"{page}.html", tmp_path / f"{page}.html")
    assert site_check.problems(tmp_path) == [f"{pages[-1]}.html is missing"]
    empty = tmp_path / f"{pages[0]}.html"
    empty.unlink()
    empty.write_text('<article class="bd-article"></article>')
    assert any("empty article" in p for p in site_check.problems(tmp_path))


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_no_built_page_is_heavier_than_2_mb(built_book):
    heavy = {str(p.relative_to(built_book)): p.stat().st_size for p in built_book.rglob("*.html")
             if p.stat().st_size > 2_000_000}
    assert not heavy, f"pages over 2 MB: {heavy}"
    with_state = [str(p.relative_to(built_book)) for p in built_book.rglob("*.html")
                  if "application/vnd.jupyter.widget-state+json" in p.read_text(errors="ignore")]
    assert not with_state, f"unused ipywidgets state embedded in {with_state} (_ext/page_fixes.py)"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_the_pdf_has_every_page_with_typeset_equations(built_book, tmp_path):
    require_module("playwright.sync_api", "pip install playwright")
    require_executable(os.environ.get("LNGEO_CHROMIUM", "/usr/bin/chromium"), "apt-get install chromium")
    pypdf = require_module("pypdf", "pip install pypdf")
    import pdf as book_pdf

    target = book_pdf.build(built_book)
    reader = pypdf.PdfReader(str(target))
    titles = [item.title for item in reader.outline]
    assert len(titles) == len(site_check.toc_pages()) + 1, titles  # + "Contents"
    assert len(reader.pages) > 3 * len(titles)
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    for title in titles:
        assert title.split()[0] in text
    assert "\\frac" not in text and "\\mathbf" not in text, "raw TeX in the PDF: MathJax did not run"
    print(f"PDF: {target} — {len(reader.pages)} pages, {target.stat().st_size // 1000} kB")
