"""The coursework editions: otter autograders generated from the chapters grade right, wrong and
empty answers as they should, and no student artefact carries solution text.

otter-grader lives in its own venv (``.venv-coursework``, made by ``make test-env``); these tests
drive ``tools/editions.py`` there through subprocesses, and import it here for the pure parts.
"""

from __future__ import annotations

import csv
import json
import os
import pydoc
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402

CW_PY = Path(os.environ.get("LNGEO_COURSEWORK_PYTHON", ROOT / ".venv-coursework" / "bin" / "python"))
DATA = editions.load_data()
EXERCISES = editions.all_exercises(DATA)
CODE = [ex for ex in EXERCISES if ex.kind == "code"]
WRITTEN = [ex for ex in EXERCISES if ex.kind == "written"]
CHAPTERS = [p.stem for p in editions.chapter_paths()]

pytestmark = pytest.mark.xdist_group("coursework")


def run_cw(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    if not CW_PY.exists():
        pytest.fail(f"the coursework venv is missing ({CW_PY}); create it with: make test-env", pytrace=False)
    proc = subprocess.run([str(CW_PY), str(ROOT / "tools" / "editions.py"), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert proc.returncode == 0, f"editions.py {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def otter_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("editions") / "otter"
    run_cw("assign", str(out))
    return out


@pytest.fixture(scope="module")
def scored(otter_dir) -> dict[tuple[str, str], dict]:
    rows = json.loads(run_cw("selfcheck", str(otter_dir)).stdout)
    return {(r["label"], r["variant"]): r for r in rows}


def norm(text: str) -> str:
    return text.replace("−", "-").lower()


# -- the chapters and the data agree ---------------------------------------------------------

def test_every_exercise_in_the_chapters_has_data_and_every_entry_an_exercise():
    in_chapters = {ex.label for ex in EXERCISES}
    assert in_chapters == set(DATA["exercises"]), (in_chapters ^ set(DATA["exercises"]))
    for ex in WRITTEN:
        entry = DATA["exercises"][ex.label]
        assert entry["rubric"] and sum(p for p, _ in entry["rubric"]) == entry["points"], ex.label


def test_every_code_exercise_names_a_real_checker_and_the_chapters_function():
    import lngeo.exercises as lx
    for ex in CODE:
        entry = DATA["exercises"][ex.label]
        assert callable(getattr(lx, entry["checker"], None)), entry["checker"]
        assert f"def {entry['function']}(" in ex.solution_code and f"def {entry['function']}(" in ex.starter_code
        assert f"{entry['checker']}({entry['function']})" in ex.solution_code
    registry = getattr(lx, "CHECKERS", None)
    if registry is not None:  # the checkers' own registry: every exercise it knows is in a chapter
        missing = sorted(set(registry) - {ex.label for ex in CODE})
        assert not missing, f"lngeo.exercises.CHECKERS has exercises no chapter asks for: {missing}"


# -- otter assign and the autograders --------------------------------------------------------

def test_otter_assign_builds_student_and_autograder_notebooks_for_every_chapter(otter_dir):
    for chapter in CHAPTERS:
        student = otter_dir / chapter / "student" / f"{chapter}.ipynb"
        solution = otter_dir / chapter / "autograder" / f"{chapter}.ipynb"
        zips = list((otter_dir / chapter / "autograder").glob("*-autograder_*.zip"))
        assert student.exists() and solution.exists() and len(zips) == 1, chapter
        stubs = editions.answer_stubs(student)
        want = {editions.qname(ex.label) for ex in CODE if ex.chapter == chapter}
        assert set(stubs) == want, chapter
        nb = nbformat.read(student, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        manual = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", []) and c.cell_type == "markdown"]
        assert len(manual) == sum(ex.chapter == chapter for ex in WRITTEN), chapter


def test_every_worked_solution_scores_full_marks(scored):
    for ex in CODE:
        r = scored[(ex.label, "solution")]
        assert r["possible"] == DATA["exercises"][ex.label]["points"]
        assert r["score"] == r["possible"], f"{ex.label}: {r['score']}/{r['possible']}\n{r['feedback']}"


def test_every_student_stub_scores_zero(scored):
    for ex in CODE:
        r = scored[(ex.label, "stub")]
        assert r["score"] == 0, f"{ex.label}: the stub scores {r['score']}"


def test_every_wrong_starter_scores_below_full_and_its_feedback_names_the_mistake(scored):
    for ex in CODE:
        r = scored[(ex.label, "starter")]
        assert r["score"] < r["possible"], f"{ex.label}: the book's wrong starter scores full marks"
        for words in DATA["exercises"][ex.label]["starter_feedback"]:
            assert norm(words) in norm(r["feedback"]), f"{ex.label}: feedback does not say {words!r}:\n{r['feedback']}"


def test_student_stubs_hold_no_solution_and_stubs_are_not_the_starter(otter_dir):
    for ex in CODE:
        stub = editions.answer_stubs(otter_dir / ex.chapter / "student" / f"{ex.chapter}.ipynb")[editions.qname(ex.label)]
        body = stub.split(f"def {DATA['exercises'][ex.label]['function']}(", 1)[1].splitlines()[1:]
        code_lines = [ln.strip() for ln in body if ln.strip() and not ln.strip().startswith("#")]
        assert code_lines[0] == "...", (ex.label, stub)
        assert ex.starter_code.strip() != stub.strip()


def test_hidden_tests_use_the_instructors_seed_and_are_absent_from_student_notebooks(otter_dir):
    import zipfile
    seed = str(DATA["hidden_seed"])
    for chapter in CHAPTERS:
        (z,) = (otter_dir / chapter / "autograder").glob("*.zip")
        tests = {n: zipfile.ZipFile(z).read(n).decode() for n in zipfile.ZipFile(z).namelist() if n.startswith("tests/")}
        for ex in (e for e in CODE if e.chapter == chapter):
            src = tests[f"tests/{editions.qname(ex.label)}.py"]
            assert "hidden=True" in src and seed in src, ex.label
        meta = json.dumps(nbformat.read(otter_dir / chapter / "student" / f"{chapter}.ipynb", as_version=4).metadata)
        assert seed not in meta and "hidden=True" not in meta, chapter


# -- no solution text in any student artefact ------------------------------------------------

def test_leak_check_finds_every_solution_in_the_reader_edition():
    """The check below can fail: on the chapters themselves it finds every exercise's solution."""
    found = editions.leaks([ROOT / "chapters"], DATA)
    labels = {line.split(": ")[1] for line in found}
    assert labels == {ex.label for ex in EXERCISES}


def test_student_notebooks_hold_no_solution_text(otter_dir):
    students = [otter_dir / ch / "student" for ch in CHAPTERS]
    assert editions.leaks(students, DATA) == []


def test_checker_docs_and_help_hold_no_solution_text(tmp_path):
    """help(check_…) and the API page show the checkers' docstrings to students. Fails against
    checkers whose docstring examples hold a worked solution (main before branch ex11)."""
    import lngeo.exercises as lx
    pages = [pydoc.render_doc(getattr(lx, DATA["exercises"][ex.label]["checker"]), renderer=pydoc.plaintext) for ex in CODE]
    pages.append(pydoc.render_doc(lx, renderer=pydoc.plaintext))
    (tmp_path / "help.txt").write_text("\n".join(pages), encoding="utf-8")
    assert editions.leaks([tmp_path / "help.txt"], DATA) == []


@pytest.mark.slow
def test_student_site_html_and_sources_hold_no_solution_text(otter_dir, tmp_path):
    source = tmp_path / "source"
    run_cw("site", str(source), str(otter_dir), "--no-execute")
    import yaml
    assert yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]["hide_solutions"] is True
    jb = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run([str(jb), "build", str(source), "--path-output", str(tmp_path / "site"), "--keep-going"],
                          capture_output=True, text=True, timeout=900)
    html = tmp_path / "site" / "_build" / "html"
    assert (html / "chapters" / "01_composition.html").exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    page = (html / "chapters" / "01_composition.html").read_text(encoding="utf-8")
    assert "ex-ln-implement" in page and "my_layer_norm" in page  # the exercise is there, its answer is not
    for chapter in CHAPTERS:
        assert "Solution to" not in (html / "chapters" / f"{chapter}.html").read_text(encoding="utf-8"), chapter
    assert (html / "_sources").is_dir() and any((html / "_sources").rglob("*.ipynb"))
    assert editions.leaks([html], DATA) == []


# -- grading a folder into a CSV -------------------------------------------------------------

def test_grading_right_wrong_and_empty_submissions_writes_the_expected_csv(otter_dir, tmp_path):
    chapter = "01_composition"
    ex = next(e for e in CODE if e.chapter == chapter)
    student = nbformat.read(otter_dir / chapter / "student" / f"{chapter}.ipynb", as_version=4)
    subs = tmp_path / "submissions"
    subs.mkdir()
    for name, code in (("right", ex.solution_code), ("wrong", ex.starter_code), ("empty", None)):
        nb = nbformat.from_dict(json.loads(json.dumps(student)))
        for cell in nb.cells:
            if code and editions.qname(ex.label) in cell.metadata.get("otter", {}).get("tests", []):
                cell.source = code
        nbformat.write(nb, subs / f"{name}.ipynb")  # names without the chapter: read from metadata
    nbformat.write(nbformat.v4.new_notebook(), subs / "notes.ipynb")  # not a chapter: a row with an error
    out = tmp_path / "grades.csv"
    run_cw("grade", str(subs), str(otter_dir), str(out))
    rows = {r["submission"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    points = DATA["exercises"][ex.label]["points"]
    assert set(rows) == {"right.ipynb", "wrong.ipynb", "empty.ipynb", "notes.ipynb"}
    assert "no autograder" in rows.pop("notes.ipynb")["error"]
    assert all(r["chapter"] == chapter and r["error"] == "" for r in rows.values())
    assert float(rows["right.ipynb"][ex.label]) == points and float(rows["right.ipynb"]["autograded"]) == points
    assert 0 <= float(rows["wrong.ipynb"][ex.label]) < points
    assert float(rows["empty.ipynb"][ex.label]) == 0
    assert all(r["autograded_possible"] == f"{float(points)}" for r in rows.values())
    written = [e.label for e in WRITTEN if e.chapter == chapter]
    assert written and all(rows["right.ipynb"][lb] == "" for lb in written)  # left for the rubric
    feedback = (tmp_path / "grades-feedback" / "wrong.txt").read_text(encoding="utf-8")
    for words in DATA["exercises"][ex.label]["starter_feedback"]:
        assert norm(words) in norm(feedback)


# -- the instructor guide --------------------------------------------------------------------

def test_instructor_guide_has_objectives_problem_sets_and_a_rubric_for_every_written_exercise():
    text = editions.guide(DATA)
    for chapter, info in DATA["chapters"].items():
        assert info["title"] in text and all(o in text for o in info["objectives"])
    for ps in DATA["problem_sets"]:
        assert ps["title"] in text
    for ex in WRITTEN:
        section = text.split(f"### `{ex.label}`", 1)[1].split("### ", 1)[0]
        assert all(crit in section for _, crit in DATA["exercises"][ex.label]["rubric"]), ex.label
    named = 0
    for ex in CODE:
        section = text.split(f"### `{ex.label}`", 1)[1].split("### ", 1)[0]
        mistakes = editions.classic_mistakes(DATA["exercises"][ex.label]["checker"])
        assert all(f"- {m}" in section for m in mistakes), ex.label
        named += len(mistakes)
    assert named >= 10  # the checkers name their classic mistakes, and the guide lists them
    # the guide is for instructors, but it quotes no code solution either (they live in solutions/)
    code_secrets = [f for ex in CODE for f in editions.secrets(DATA)[ex.label] if f.startswith(("return", "mu =", "z ="))]
    assert code_secrets and not any(f in editions._norm(text) for f in code_secrets)
