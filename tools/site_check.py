"""Refuse an empty or partial site: every page named in _toc.yml must be in the built HTML.

Usage: ``python tools/site_check.py _build/book/_build/html``. Exits non-zero, naming what is
missing, when a page is absent, has no article body, or (for a chapter notebook) shows no
figure. The deployment workflow runs it before uploading anything.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_pages() -> list[str]:
    """Every file named in _toc.yml (root first), without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def problems(html_root: Path) -> list[str]:
    found = []
    for page in toc_pages():
        path = html_root / f"{page}.html"
        if not path.is_file():
            found.append(f"{page}.html is missing")
            continue
        html = path.read_text(encoding="utf-8", errors="replace")
        body = re.search(r'<article class="bd-article"[^>]*>(.*?)</article>', html, re.S)
        text = re.sub(r"<[^>]+>", " ", body.group(1)) if body else ""
        if len(text.split()) < 100:
            found.append(f"{page}.html has an empty article ({len(text.split())} words)")
        if (ROOT / f"{page}.ipynb").exists() and "<img" not in html:
            found.append(f"{page}.html is a chapter but shows no figure (was it executed?)")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    root = Path(argv[0])
    found = problems(root)
    for p in found:
        print(f"site_check: {p}")
    if not found:
        print(f"site_check: all {len(toc_pages())} pages of _toc.yml are in {root}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
