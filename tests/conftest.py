"""Shared test set-up: a headless matplotlib, seeded hypothesis, and the CI rule for extras.

The CI rule: a test that needs an optional heavy component (torch, sentence-transformers,
Chromium) may skip with a printed reason on a reader's machine, but under ``CI=true`` a
missing component is a failure, never a silent skip.
"""

from __future__ import annotations

import importlib
import os
import shutil

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "lngeo", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("lngeo")

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip (reader's machine) or fail (CI) when ``condition`` is false."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI but missing: {reason}", pytrace=False)
    pytest.skip(reason)


def require_module(name: str, install: str):
    """Import ``name`` or skip/fail (see :func:`require`) with the install command."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        require(False, f"{name} is not importable ({exc}); install it with: {install}")


def require_executable(path: str, install: str) -> str:
    """Return ``path`` if it is an executable, else skip/fail with the install command."""
    found = shutil.which(path)
    require(found is not None, f"{path} not found; install it with: {install}")
    return found


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, worker_id):
    """Build the whole book once per test run (every chapter executed, warnings as errors).

    Returns the path of the HTML folder. Under pytest-xdist the workers share one build: the
    first to arrive builds while holding a file lock, the others wait and reuse it (or its
    failure). Tests using it also carry ``@pytest.mark.xdist_group("book")``.
    """
    import fcntl
    import subprocess
    import sys

    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        base = base.parent
    out = base / "book"
    log = base / "book-build.log"
    with open(base / "book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / "book-build.done").exists():
            jb = os.path.join(os.path.dirname(sys.executable), "jupyter-book")
            proc = subprocess.run(
                [jb, "build", ROOT, "--path-output", str(out), "-W", "-n", "--keep-going"],
                capture_output=True, text=True, timeout=1500,
            )
            log.write_text(proc.stdout + "\n" + proc.stderr)
            (base / "book-build.done").write_text(str(proc.returncode))
    code = int((base / "book-build.done").read_text())
    if code != 0:
        lines = log.read_text().splitlines()
        problems = [ln for ln in lines if "WARNING" in ln and "TCP without encryption" not in ln or "ERROR" in ln]
        tail = "\n".join((problems or lines)[-40:])
        pytest.fail(f"jupyter-book build failed (exit {code}); full log {log}:\n{tail}", pytrace=False)
    return out / "_build" / "html"
