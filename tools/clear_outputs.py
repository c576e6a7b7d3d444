"""Clear the outputs of chapter notebooks in place (chapters are committed without outputs).

Usage: python tools/clear_outputs.py [NOTEBOOK ...]   (default: chapters/*.ipynb)
"""

import glob
import sys

import nbformat


def clear(path: str) -> bool:
    """Clear one notebook's outputs and execution counts; return whether anything changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    paths = sys.argv[1:] or sorted(glob.glob("chapters/*.ipynb"))
    for p in paths:
        print(f"{'cleared' if clear(p) else 'clean  '} {p}")
