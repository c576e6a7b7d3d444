"""Every chapter in _toc.yml runs top to bottom in a fresh kernel, and is committed clean."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import site_check  # noqa: E402


def toc_files() -> list[str]:
    """Every file named in _toc.yml, in reading order (root first): one reader, tools/site_check."""
    return site_check.toc_pages()


def source_of(entry: str) -> Path:
    for ext in (".ipynb", ".md"):
        if (ROOT / (entry + ext)).exists():
            return ROOT / (entry + ext)
    raise FileNotFoundError(f"_toc.yml names {entry!r} but neither {entry}.ipynb nor {entry}.md exists")


NOTEBOOKS = [e for e in toc_files() if source_of(e).suffix == ".ipynb"]


def test_every_toc_entry_has_a_source_file():
    for entry in toc_files():
        assert source_of(entry).exists()


def test_every_chapter_notebook_is_in_the_toc():
    listed = {source_of(e).resolve() for e in NOTEBOOKS}
    on_disk = {p.resolve() for p in (ROOT / "chapters").glob("*.ipynb")}
    assert on_disk <= listed, f"notebooks missing from _toc.yml: {sorted(map(str, on_disk - listed))}"


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_chapter_is_committed_without_outputs(entry):
    nb = nbformat.read(source_of(entry), as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{entry}: code cells {dirty} carry outputs; clear them before committing"


def markdown_sources(entry: str) -> list[str]:
    path = source_of(entry)
    if path.suffix == ".md":
        return [path.read_text()]
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("entry", toc_files())
def test_every_fence_opens_a_directive(entry):
    """A bare ``` fence in the prose is a broken directive: a backtick in a ```{...} line's title
    ends CommonMark's info string, the closing ``` opens a code block, and what follows shows as
    raw TeX. The book writes code in indented blocks, so every fence must be a MyST directive."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions={"amsmath", "dollarmath", "colon_fence", "deflist"})
    parser = create_md_parser(config, RendererHTML)
    bare = [t.content[:60] for text in markdown_sources(entry) for t in parser.parse(text)
            if t.type == "fence" and not t.info.startswith("{")]
    assert not bare, f"{entry}: fences that open no directive (broken markup?): {bare}"


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_chapter_executes_in_a_fresh_kernel(entry, tmp_path):
    path = source_of(entry)
    nb = nbformat.read(path, as_version=4)
    env_dir = str(tmp_path)
    os.environ.setdefault("MPLCONFIGDIR", env_dir)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError with the traceback on any failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
