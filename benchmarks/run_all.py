"""How long does "Run All" take, chapter by chapter?  ``python benchmarks/run_all.py``

Executes every chapter notebook top to bottom in a fresh kernel with nbclient (as the book
build and ``tests/test_chapters.py`` do) and prints the wall time per chapter and in all.

``--live`` (the default) runs them as a reader in JupyterLab or Binder does: the kernel gets
``JPY_SESSION_NAME`` (Jupyter server sets it for every kernel it starts), so the static frame
players are skipped (:func:`lngeo.explorer.in_live_kernel`). ``--build`` runs them as the book
build does (players rendered). ``--root DIR`` times another checkout of the book (its
``lngeo`` is put first on the kernel's ``PYTHONPATH``), e.g. the commit before a change.

Times include the kernel's start and the imports; run on an otherwise idle machine and compare
runs made one after another.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def run_chapter(path: Path, timeout: int) -> tuple[float, int]:
    """Execute one notebook in a fresh kernel; return (seconds, number of error outputs)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    errors = sum(o.output_type == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return seconds, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--live", dest="live", action="store_true", default=True, help="as in JupyterLab (default)")
    mode.add_argument("--build", dest="live", action="store_false", help="as the book build (players rendered)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--timeout", type=int, default=1200, help="per cell, seconds")
    parser.add_argument("chapters", nargs="*", help="chapter file names or stems (default: all)")
    args = parser.parse_args(argv)

    root = args.root.resolve()
    paths = sorted((root / "chapters").glob("*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if p.name in args.chapters or p.stem in args.chapters]
    # The kernel inherits this process's environment.
    os.environ["PYTHONPATH"] = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    if args.live:
        os.environ["JPY_SESSION_NAME"] = "benchmark"
    else:
        os.environ.pop("JPY_SESSION_NAME", None)

    label = "live kernel (JPY_SESSION_NAME set)" if args.live else "book build (no JPY_SESSION_NAME)"
    print(f"Run All per chapter, {label}; book at {root}")
    print(f"{'chapter':<24}{'seconds':>10}{'errors':>8}")
    print("-" * 42)
    total, failed = 0.0, 0
    for path in paths:
        seconds, errors = run_chapter(path, args.timeout)
        total += seconds
        failed += errors
        print(f"{path.stem:<24}{seconds:>10.1f}{errors:>8}", flush=True)
    print("-" * 42)
    print(f"{'all':<24}{total:>10.1f}{failed:>8}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
