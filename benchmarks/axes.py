"""Benchmark: principal axes of the LayerNorm output ellipsoid, secular solver vs LAPACK.

Run ``python benchmarks/axes.py`` (``--quick`` for small sizes, ``--sizes 256,4096`` to choose).

For each width N it measures, each in a fresh subprocess (so peak memory is clean):

* semi-axes only: ``lngeo.semi_axes`` (secular, O(N) memory) vs ``numpy.linalg.eigvalsh``
  of ``M = G² − g gᵀ/N``;
* with directions: ``lngeo.principal_axes`` (secular) vs ``numpy.linalg.eigh`` of ``M``.

Columns: wall time, time ratio (LAPACK / secular, measured in the same run), maximum
relative error of the semi-axes against a reference, peak memory. The reference is the
same secular algorithm run in 80-bit long double (``np.longdouble``, eps 1.1e-19) on a
sample of up to 512 roots (all roots when N ≤ 513); it is validated against 40-digit
mpmath in ``tests/test_secular.py``. For directions the table reports the orthogonality
``max|U Uᵀ − I|`` and the residual ``max|M u − μ u| / max|M|`` over 256 sampled axes.
Peak memory: ``tracemalloc`` (numpy's own arrays) and the growth of the process's peak
RSS (which also sees LAPACK's workspace, not traced by tracemalloc).

Gains: ``g ~ N(1, 0.25²)`` with 1 % of the entries replaced by tiny values in
``[1e-4, 1e-3]`` (trained LayerNorms have a few near-dead neurons), seeded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from lngeo.geometry import m_matrix  # noqa: E402  (the dense route's matrix, M = GΠG)

DEFAULT_SIZES = [256, 768, 1024, 2048, 4096, 12288]
QUICK_SIZES = [256, 768, 1024]
REFERENCE_SAMPLE = 512
VECTOR_SAMPLE = 256
REPEATS = 3


def make_gain(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    g = rng.normal(1.0, 0.25, n)
    tiny = rng.choice(n, size=max(1, n // 100), replace=False)
    g[tiny] = rng.uniform(1e-4, 1e-3, tiny.size) * rng.choice([-1.0, 1.0], tiny.size)
    return g


# ----------------------------------------------------------------------------- worker side
def _vector_quality(g: np.ndarray, s: np.ndarray, U: np.ndarray, seed: int) -> dict:
    """Orthogonality and residual over a sample of axes (rows of U)."""
    n = g.size
    rng = np.random.default_rng(seed + 1)
    rows = np.sort(rng.choice(U.shape[0], size=min(VECTOR_SAMPLE, U.shape[0]), replace=False))
    Us = U[rows]
    orth = float(np.max(np.abs(Us @ U.T - np.eye(U.shape[0])[rows])))
    mu = (s[rows] ** 2) / n
    MU = Us * (g * g)[None, :] - np.outer(Us @ g, g) / n
    resid = float(np.max(np.abs(MU - mu[:, None] * Us)) / np.max(g * g))
    return {"orth": orth, "resid": resid}


def _run(task: str, g: np.ndarray):
    import lngeo

    n = g.size
    U = None
    if task == "secular-values":
        s = lngeo.semi_axes(g)
    elif task == "eigvalsh":
        mu = np.linalg.eigvalsh(m_matrix(g))
        s = np.sqrt(n * np.maximum(mu[::-1][: n - 1], 0.0))
    elif task == "secular-vectors":
        s, U = lngeo.principal_axes(g)
    elif task == "eigh":
        mu, V = np.linalg.eigh(m_matrix(g))
        s = np.sqrt(n * np.maximum(mu[::-1][: n - 1], 0.0))
        U = V[:, ::-1][:, : n - 1].T
    else:  # pragma: no cover
        raise SystemExit(f"unknown task {task}")
    return s, U


def worker(task: str, n: int, seed: int, out: str) -> None:
    import lngeo

    g = make_gain(n, seed)
    # warm-up on a tiny problem (imports, LAPACK initialisation), not counted
    lngeo.principal_axes(g[:8])
    np.linalg.eigh(m_matrix(g[:8]))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    result: dict = {}
    times = []
    for _ in range(REPEATS if n <= 2048 else 1):  # best of a few runs for small N (noise)
        s = U = None  # release the previous run's results before measuring again
        t0 = time.perf_counter()
        s, U = _run(task, g)
        times.append(time.perf_counter() - t0)
    elapsed = min(times)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if task in ("secular-vectors", "eigh"):
        result.update(_vector_quality(g, s, np.ascontiguousarray(U), seed))
    np.save(out, s)
    result.update({"time": elapsed, "traced_mb": peak / 2**20, "rss_mb": (rss1 - rss0) / 1024})
    print(json.dumps(result))


# ----------------------------------------------------------------------------- parent side
def run_task(task: str, n: int, seed: int) -> tuple[dict, np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "s.npy")
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--worker", task, str(n), str(seed), out],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{task} N={n} failed:\n{proc.stderr}")
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        return info, np.load(out)


def reference(g: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions in the descending order, semi-axes) for a sample of roots, in long double."""
    from lngeo import secular as sec

    n = g.size
    defl = sec.deflate(g, dtype=np.longdouble)
    if not np.all(defl.weight == 1):  # pragma: no cover - random gains are distinct
        raise RuntimeError("benchmark gains must be distinct")
    rng = np.random.default_rng(seed + 2)
    gaps = np.arange(n - 1)
    if gaps.size > REFERENCE_SAMPLE:
        gaps = np.sort(rng.choice(gaps, size=REFERENCE_SAMPLE, replace=False))
    origin, delta = sec.secular_roots(defl, gaps=gaps)
    s = sec.root_semi_axes(defl, origin, delta, gaps)
    return (n - 2) - gaps, s  # gap t holds the (t+1)-th smallest eigenvalue


def max_rel_error(s: np.ndarray, pos: np.ndarray, ref: np.ndarray) -> float:
    ref64 = ref.astype(np.float64)
    err = np.abs(s[pos].astype(np.longdouble) - ref) / ref
    return float(np.max(err.astype(np.float64))) if ref64.size else 0.0


def fmt_time(t: float | None) -> str:
    return "   —   " if t is None else f"{t:7.3f}"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",") if v], default=None)
    p.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-eigh-seconds", type=float, default=240.0,
                   help="skip eigh with vectors when its predicted time (N³ scaling) exceeds this")
    p.add_argument("--worker", nargs=4, metavar=("TASK", "N", "SEED", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        task, n, seed, out = args.worker
        worker(task, int(n), int(seed), out)
        return
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    print(f"# principal axes of the LayerNorm output ellipsoid — {os.cpu_count()} cores, numpy {np.__version__}")
    print("# gains: N(1, 0.25^2) with 1% tiny entries in [1e-4, 1e-3]; seed", args.seed)
    print("# error: max relative error of semi-axes vs secular in 80-bit long double "
          f"(sample of <= {REFERENCE_SAMPLE} roots)")
    print("# memory: tracemalloc peak (numpy arrays) / peak-RSS growth (incl. LAPACK workspace), MB")
    print()
    head = (f"{'N':>6} | {'semi-axes: secular':>18} {'eigvalsh':>8} {'ratio':>6} {'err sec':>8} {'err LAPACK':>10}"
            f" {'mem sec':>13} {'mem eigvalsh':>13}")
    print(head)
    print("-" * len(head))
    vector_rows = []
    eigh_rate = None  # seconds / N³ from the largest eigh measured
    for n in sizes:
        g = make_gain(n, args.seed)
        pos, ref = reference(g, args.seed)
        sv, s_sec = run_task("secular-values", n, args.seed)
        ev, s_lap = run_task("eigvalsh", n, args.seed)
        print(
            f"{n:>6} | {sv['time']:18.3f} {ev['time']:8.3f} {ev['time'] / sv['time']:6.1f}"
            f" {max_rel_error(s_sec, pos, ref):8.1e} {max_rel_error(s_lap, pos, ref):10.1e}"
            f" {sv['traced_mb']:6.1f}/{sv['rss_mb']:6.1f} {ev['traced_mb']:6.1f}/{ev['rss_mb']:6.1f}",
            flush=True,
        )
        # with directions
        vs, s_vs = run_task("secular-vectors", n, args.seed)
        predicted = None if eigh_rate is None else eigh_rate * n**3
        if predicted is not None and predicted > args.max_eigh_seconds:
            vector_rows.append((n, vs, s_vs, None, None, predicted, pos, ref))
        else:
            eh, s_eh = run_task("eigh", n, args.seed)
            eigh_rate = eh["time"] / n**3
            vector_rows.append((n, vs, s_vs, eh, s_eh, None, pos, ref))
    print()
    head2 = (f"{'N':>6} | {'with axes: secular':>18} {'eigh':>8} {'ratio':>6} {'err sec':>8} {'err eigh':>8}"
             f" {'orth sec':>8} {'orth eigh':>9} {'resid sec':>9} {'resid eigh':>10} {'mem sec':>13} {'mem eigh':>13}")
    print(head2)
    print("-" * len(head2))
    for n, vs, s_vs, eh, s_eh, predicted, pos, ref in vector_rows:
        line = f"{n:>6} | {vs['time']:18.3f} "
        if eh is None:
            line += (f"{'skipped':>8} {'':>6} {max_rel_error(s_vs, pos, ref):8.1e} {'':>8} {vs['orth']:8.1e} "
                     f"{'':>9} {vs['resid']:9.1e} {'':>10} {vs['traced_mb']:6.0f}/{vs['rss_mb']:6.0f}"
                     f"   (eigh skipped: predicted {predicted:.0f} s > --max-eigh-seconds)")
        else:
            line += (f"{eh['time']:8.3f} {eh['time'] / vs['time']:6.1f} {max_rel_error(s_vs, pos, ref):8.1e}"
                     f" {max_rel_error(s_eh, pos, ref):8.1e} {vs['orth']:8.1e} {eh['orth']:9.1e}"
                     f" {vs['resid']:9.1e} {eh['resid']:10.1e} {vs['traced_mb']:6.0f}/{vs['rss_mb']:6.0f}"
                     f" {eh['traced_mb']:6.0f}/{eh['rss_mb']:6.0f}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
