"""How fast does every explorer answer a slider move?  ``python benchmarks/widgets.py``

For each explorer in :data:`lngeo.widgets.EXPLORERS`, time ``Explorer.set(...)`` — the update
function plus the PNG render (Agg) that a live notebook shows — over random moves of random
controls, and print a table: median and 95th-percentile milliseconds against the targets
(median ≤ 50 ms, p95 ≤ 100 ms). Also times the full redraw (``blit = False``, plain
``savefig``) for comparison. Exit status 1 if any explorer misses a target.

Options: ``--moves N`` (default 30), ``--seed S`` (default 0), ``--no-full`` (skip the
full-redraw column).
"""

from __future__ import annotations

import argparse
import sys
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from lngeo.widgets import EXPLORERS  # noqa: E402

TARGET_MEDIAN_MS = 50.0
TARGET_P95_MS = 100.0


def _random_value(control, rng: np.random.Generator):
    """A value a reader could pick: uniform on a slider (in the exponent for log sliders),
    a coin flip for a checkbox, any option of a selection widget."""
    if isinstance(control.value, bool):  # Checkbox, ToggleButton
        return bool(rng.integers(2))
    if hasattr(control, "options"):  # Dropdown, SelectionSlider, RadioButtons, ...
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[rng.integers(len(values))]
    if hasattr(control, "base"):  # FloatLogSlider: min/max are exponents
        return float(control.base ** rng.uniform(control.min, control.max))
    if isinstance(control.value, int):  # IntSlider
        return int(rng.integers(control.min, control.max + 1))
    return float(rng.uniform(control.min, control.max))


def time_updates(explorer, moves: int, rng: np.random.Generator) -> np.ndarray:
    """Return the wall time (s) of ``moves`` random single-control moves, after one warm-up."""
    names = list(explorer.controls)
    explorer.set(**{names[0]: _random_value(explorer.controls[names[0]], rng)})  # warm-up
    times = np.empty(moves)
    for i in range(moves):
        name = names[rng.integers(len(names))]
        value = _random_value(explorer.controls[name], rng)
        start = time.perf_counter()
        explorer.set(**{name: value})
        times[i] = time.perf_counter() - start
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-full", action="store_true", help="skip the full-redraw comparison")
    args = parser.parse_args(argv)

    header = f"{'explorer':<14}{'median ms':>10}{'p95 ms':>9}{'full-redraw median ms':>23}   target (median ≤ {TARGET_MEDIAN_MS:.0f}, p95 ≤ {TARGET_P95_MS:.0f})"
    print(header)
    print("-" * len(header))
    failed = False
    for name, factory in EXPLORERS.items():
        rng = np.random.default_rng(args.seed)
        explorer = factory()
        ms = 1e3 * time_updates(explorer, args.moves, rng)
        median, p95 = float(np.median(ms)), float(np.percentile(ms, 95))
        full = ""
        if not args.no_full:
            slow = factory()
            slow.blit = False
            full = f"{float(np.median(1e3 * time_updates(slow, max(5, args.moves // 3), np.random.default_rng(args.seed)))):.0f}"
        ok = median <= TARGET_MEDIAN_MS and p95 <= TARGET_P95_MS
        failed |= not ok
        errors = f"  ({len(explorer.errors)} callback errors!)" if explorer.errors else ""
        print(f"{name:<14}{median:>10.1f}{p95:>9.1f}{full:>23}   {'pass' if ok else 'FAIL'}{errors}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
