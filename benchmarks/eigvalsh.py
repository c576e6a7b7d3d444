"""How much faster is ``lngeo.semi_axes`` than dense ``eigvalsh``?  ``python benchmarks/eigvalsh.py``

The full comparison chapter 5 quotes only for small widths (a live reader should not wait for
a dense 4096 × 4096 diagonalisation): for each width, the best of ``--repeat`` timings of
``numpy.linalg.eigvalsh(m_matrix(g))`` over the best of ``lngeo.semi_axes(g)``, and how far the
two sets of semi-axes differ, measured in one run by :func:`lngeo.reference.eigvalsh_speedups`
(seeded gains, progress on stderr). Prints a table.

Options: ``--sizes 256 768 1024 2048 4096`` (default), ``--repeat R`` (default 2), ``--seed S``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lngeo.reference import eigvalsh_speedups  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 768, 1024, 2048, 4096])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = list(eigvalsh_speedups(args.sizes, repeat=args.repeat, seed=args.seed, progress=True))
    print(f"{'N':>6}{'semi_axes faster by':>22}{'max rel. difference':>22}")
    print("-" * 50)
    for n, ratio, diff in rows:
        print(f"{n:>6}{ratio:>21.1f}×{diff:>22.1e}")
    print(f"(best of {args.repeat} per route; seed {args.seed}; {time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
