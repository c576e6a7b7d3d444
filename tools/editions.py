"""The coursework editions, generated from the chapters: otter masters, student and instructor.

The chapters are the single source. Their exercise cells carry tags:

``exercise``  an ``{exercise}`` markdown cell (its ``:label:`` names the exercise);
``starter``   the reader edition's deliberately wrong first attempt (a code cell) and the
              markdown note that says so;
``solution``  a written ``{solution}``, the cells of a gated code solution
              (``{solution-start}`` … code … ``{solution-end}``), or a cell that computes an
              exercise's answer for the book.

``coursework/exercises.yml`` adds what the chapters do not say: points, the rubric of each
written exercise, time, difficulty, the hidden-test seed, the problem sets.

Commands (run with the coursework venv's Python, ``.venv-coursework``)::

    python tools/editions.py masters   OUT      # otter-assign master notebooks, one per chapter
    python tools/editions.py assign    OUT      # masters + ``otter assign``: OUT/<chapter>/{student,autograder}
    python tools/editions.py guide     OUT.md   # the instructor guide (markdown)
    python tools/editions.py site      OUT STUDENT_DIR  # a book source tree for the student HTML site
    python tools/editions.py grade     SUBMISSIONS AUTOGRADERS OUT.csv

A code exercise becomes an otter question whose answer cell is the chapter's worked solution
between ``# BEGIN SOLUTION`` / ``# END SOLUTION`` (students get ``...``), with exception-based
otter tests calling the ``lngeo`` checker: a visible test (``hidden=False``, the book's cases)
and hidden tiers (``hidden=True`` with the instructor's seed; the hidden score must reach each
tier). A written exercise becomes a manually graded question; its solution and rubric go to
the instructor only. Every other code cell of the chapter is tagged ``otter_ignore``: grading
runs the exercise set-up cell, the answer cells and the tests, not the chapter's figures.
"""

from __future__ import annotations

import argparse
import copy
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "coursework" / "exercises.yml"

OPEN = re.compile(r"^```\{(exercise|solution|solution-start|solution-end)\}\s*(\S*)", re.M)
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)

STUDENT_NOTE = (
    "Replace the `...` in the cell below with your function. Its last line runs the checker on the "
    "same cases as the visible test; the grader adds hidden cases."
)
SETUP_SOURCE = "# Set-up for the exercises (graded: this cell and your answers)\nimport numpy as np\nimport lngeo"


def load_data(path: Path = DATA) -> dict:
    """``coursework/exercises.yml``, with each code exercise's function, checker and points taken
    from ``lngeo.exercises.CHECKERS`` when the package has that registry (the checkers' own
    single source); the values in the file are the fallback for a package without it."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    try:
        from lngeo.exercises import CHECKERS
    except ImportError:
        return data
    for label, entry in data["exercises"].items():
        item = CHECKERS.get(label)
        if entry.get("kind") == "code" and item is not None:
            entry["function"] = item.function_name
            entry["checker"] = item.checker.__name__
            entry["points"] = item.points
    return data


def chapter_paths() -> list[Path]:
    return sorted((ROOT / "chapters").glob("0*_*.ipynb"))


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def qname(label: str) -> str:
    """The otter question name for an exercise label (``ex-ln-mean`` → ``ex_ln_mean``)."""
    return label.replace("-", "_")


def exercise_label(cell) -> str | None:
    if cell.cell_type != "markdown" or "exercise" not in tags(cell):
        return None
    m = LABEL.search(cell.source)
    return m.group(1) if m else None


def directive_target(cell) -> tuple[str, str] | None:
    """(directive, argument) of a solution cell's opening fence, e.g. ("solution", "ex-ln-mean")."""
    m = OPEN.search(cell.source)
    return (m.group(1), m.group(2)) if m else None


# -- reading a chapter ------------------------------------------------------------------------

@dataclass
class Exercise:
    label: str
    chapter: str
    kind: str                 # "code" or "written"
    prompt: nbformat.NotebookNode
    solution_md: list         # markdown cells of the solution (written: the {solution} cell)
    solution_code: str | None = None   # the worked solution's code cell (code exercises)
    starter_code: str | None = None    # the reader edition's wrong first attempt


def read_exercises(path: Path, data: dict) -> list[Exercise]:
    """Every exercise of one chapter, in order, with its prompt, solution and starter."""
    nb = nbformat.read(path, as_version=4)
    chapter = path.stem
    found: dict[str, Exercise] = {}
    order: list[str] = []
    gated: str | None = None
    last_label: str | None = None
    for cell in nb.cells:
        label = exercise_label(cell)
        if label:
            entry = data["exercises"].get(label)
            if entry is None:
                raise ValueError(f"{path.name}: exercise {label!r} has no entry in {DATA.name}")
            found[label] = Exercise(label, chapter, entry["kind"], cell, [])
            order.append(label)
            last_label = label
            continue
        t = tags(cell)
        if "starter" in t and cell.cell_type == "code":
            found[last_label].starter_code = cell.source
        if "solution" not in t:
            continue
        target = directive_target(cell) if cell.cell_type == "markdown" else None
        if target and target[0] == "solution-start":
            gated = target[1]
            found[gated].solution_md.append(cell)
        elif target and target[0] == "solution-end":
            gated = None
        elif target and target[0] == "solution":
            found[target[1]].solution_md.append(cell)
        elif gated and cell.cell_type == "code":
            found[gated].solution_code = cell.source
        elif gated:
            found[gated].solution_md.append(cell)
    for label in order:
        ex = found[label]
        if ex.kind == "code" and not (ex.solution_code and ex.starter_code):
            raise ValueError(f"{path.name}: code exercise {label} needs a 'starter' code cell and a gated solution code cell")
        if ex.kind == "written" and not ex.solution_md:
            raise ValueError(f"{path.name}: written exercise {label} has no {{solution}} cell")
    return [found[label] for label in order]


def all_exercises(data: dict | None = None) -> list[Exercise]:
    data = data or load_data()
    return [ex for p in chapter_paths() for ex in read_exercises(p, data)]


# -- the otter master notebook ------------------------------------------------------------------

def raw(text: str):
    return nbformat.v4.new_raw_cell(text)


def mark_solution(code: str, function: str) -> str:
    """The worked solution with its function body between BEGIN/END SOLUTION (students get ``...``)."""
    lines = code.splitlines()
    start = next(i for i, ln in enumerate(lines) if re.match(rf"def {function}\(", ln))
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    while not lines[end - 1].strip():
        end -= 1
    indent = re.match(r"\s*", lines[start + 1]).group(0)
    return "\n".join(lines[: start + 1] + [indent + "# BEGIN SOLUTION"] + lines[start + 1 : end]
                     + [indent + "# END SOLUTION"] + lines[end:])


def test_cells(label: str, entry: dict, data: dict) -> list:
    """Exception-based otter tests: the visible checker run, then the hidden score tiers."""
    fn, checker = entry["function"], entry["checker"]
    split = data["code_tests"]
    tiers = split["hidden_tiers"]
    shares = split["visible"] + len(tiers)
    pts = entry["points"] / shares
    seed = int(data["hidden_seed"])
    key = "_lngeo_hidden_" + qname(label)
    cells = [nbformat.v4.new_code_cell(
        f'""" # BEGIN TEST CONFIG\npoints: {pts * split["visible"]:g}\nhidden: false\n""" # END TEST CONFIG\n'
        f"def test_visible_cases({fn}):\n"
        f"    from lngeo.exercises import {checker}\n"
        f"    result = {checker}({fn})\n"
        f"    assert result, getattr(result, 'report', result.__str__)()"
    )]
    for tier in tiers:
        cells.append(nbformat.v4.new_code_cell(
            f'""" # BEGIN TEST CONFIG\npoints: {pts:g}\nhidden: true\n""" # END TEST CONFIG\n'
            f"def test_hidden_score_{int(round(tier * 100))}(env):\n"
            f"    import inspect\n"
            f"    from lngeo.exercises import {checker} as check\n"
            f"    if '{key}' not in env:\n"
            f"        # ADAPTER until every checker takes (seed, hidden=...): delete the else branch then.\n"
            f"        if 'hidden' in inspect.signature(check).parameters:\n"
            f"            env['{key}'] = check(env.get('{fn}'), {seed}, hidden=True)\n"
            f"        else:\n"
            f"            env['{key}'] = check(env.get('{fn}'))\n"
            f"    result = env['{key}']\n"
            f"    score = getattr(result, 'score', 1.0 if result else 0.0)\n"
            f"    assert score >= {tier}, f'hidden cases: score {{score:.2f}} < {tier}'"
        ))
    return cells


def master_notebook(path: Path, data: dict) -> nbformat.NotebookNode:
    """The otter-assign master notebook for one chapter (chapter cells + questions + tests)."""
    nb = nbformat.read(path, as_version=4)
    exercises = {ex.label: ex for ex in read_exercises(path, data)}
    chapter = path.stem
    config = {
        "name": chapter,
        "init_cell": False,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": False,
        "solutions_pdf": False,
        "generate": {"show_stdout": False, "show_hidden": False, "seed": None},
        "tests": {"files": False, "ok_format": False},
    }
    out = [raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False).strip())]
    setup_done = False
    pending: Exercise | None = None     # a code exercise whose answer cell comes at its starter
    for cell in nb.cells:
        t = tags(cell)
        label = exercise_label(cell)
        if label:
            ex = exercises[label]
            entry = data["exercises"][label]
            if not setup_done:
                out.append(nbformat.v4.new_code_cell(SETUP_SOURCE))
                setup_done = True
            header = {"name": qname(label), "points": entry["points"], "check_cell": False}
            if ex.kind == "written":
                header["manual"] = True
            out.append(raw("# BEGIN QUESTION\n" + yaml.safe_dump(header, sort_keys=False).strip()))
            out.append(copy.deepcopy(cell))
            if ex.kind == "written":
                out.append(raw("# BEGIN SOLUTION"))
                for sol in ex.solution_md:
                    out.append(copy.deepcopy(sol))
                rubric = "\n".join(f"- **{p} pt** — {text}" for p, text in entry["rubric"])
                out.append(nbformat.v4.new_markdown_cell(f"**Rubric ({entry['points']} points)**\n\n{rubric}"))
                out.append(raw("# END SOLUTION"))
                out.append(raw("# END QUESTION"))
            else:
                pending = ex
            continue
        if "starter" in t:
            if cell.cell_type == "markdown":
                out.append(nbformat.v4.new_markdown_cell(STUDENT_NOTE))
                continue
            ex = pending
            entry = data["exercises"][ex.label]
            answer = nbformat.v4.new_code_cell(mark_solution(ex.solution_code, entry["function"]))
            out += [raw("# BEGIN SOLUTION"), answer, raw("# END SOLUTION")]
            out.append(raw("# BEGIN TESTS"))
            out.extend(test_cells(ex.label, entry, data))
            out.append(raw("# END TESTS"))
            out.append(raw("# END QUESTION"))
            pending = None
            continue
        if "solution" in t:
            continue  # written solutions went into their question; the rest serves the book only
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.metadata.setdefault("tags", []).append("otter_ignore")
            cell.outputs, cell.execution_count = [], None
        out.append(cell)
    nb.cells = out
    nb.metadata["lngeo"] = {"chapter": chapter, "edition": "coursework"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{chapter.replace('_', '-')}-m{i:03d}"
    return nb


def write_masters(out: Path, data: dict) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for path in chapter_paths():
        nb = master_notebook(path, data)
        target = out / path.name
        nbformat.write(nb, target)
        paths.append(target)
    return paths


def otter_exe() -> str:
    return str(Path(sys.executable).parent / "otter")


def assign(out: Path, data: dict, chapters: list[str] | None = None) -> None:
    """Run ``otter assign`` on every master: OUT/<chapter>/{autograder,student}/."""
    out = out.resolve()
    masters = out / "masters"
    write_masters(masters, data)
    for master in sorted(masters.glob("*.ipynb")):
        if chapters and master.stem not in chapters:
            continue
        dest = out / master.stem
        shutil.rmtree(dest, ignore_errors=True)
        proc = subprocess.run([otter_exe(), "assign", "--no-pdfs", str(master), str(dest)],
                              capture_output=True, text=True, cwd=masters)
        if proc.returncode != 0:
            raise SystemExit(f"otter assign failed for {master.name}:\n{proc.stdout}\n{proc.stderr}")
        for nb_path in (dest / "student").glob("*.ipynb"):
            strip_student_notebook(nb_path)


def strip_student_notebook(path: Path) -> None:
    """Clean otter's student notebook: no outputs, and a marker that it is the student edition."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.setdefault("lngeo", {})["edition"] = "student"
    nbformat.write(nb, path)


# -- the instructor guide ----------------------------------------------------------------------

def first_sentence(md: str) -> str:
    body = re.sub(r"^:\w+:.*$", "", md, flags=re.M)
    body = re.sub(r"^```.*$", "", body, flags=re.M).strip()
    body = " ".join(body.split())
    m = re.match(r"(.+?[.?!])(\s|$)", body)
    return (m.group(1) if m else body)[:220]


def classic_mistakes(checker_name: str) -> list[str]:
    """The named mistakes a checker diagnoses (``"description": lambda …`` in its source and in
    the helpers it calls), descriptions only: no wrong or right code."""
    import importlib
    import inspect
    import lngeo.exercises as ex
    fn = getattr(ex, checker_name, None)
    if fn is None:
        return []
    fn = inspect.unwrap(fn)
    module = importlib.import_module(fn.__module__)
    src = inspect.getsource(fn)
    for helper in set(re.findall(r"\b(_\w*mistake\w*)\(", src)):
        if hasattr(module, helper):
            src += inspect.getsource(getattr(module, helper))
    return sorted(set(re.findall(r'^\s*"([^"\n]{8,})":\s*(?:lambda\b|[A-Za-z_][\w.]*,?\s*$)', src, flags=re.M)))


def guide(data: dict) -> str:
    """The instructor guide (MyST markdown): objectives, exercises, problem sets, mistakes, rubrics."""
    exercises = all_exercises(data)
    by_chapter: dict[str, list[Exercise]] = {}
    for ex in exercises:
        by_chapter.setdefault(ex.chapter, []).append(ex)
    stars = {1: "★", 2: "★★", 3: "★★★"}
    lines = ["# Instructor guide", "",
             "Generated by `tools/editions.py` from the chapters and `coursework/exercises.yml`; "
             "do not edit by hand. Build every edition with `make editions`, grade a folder of "
             "submitted notebooks with `make grade SUBMISSIONS=dir`.", "",
             "Code exercises are autograded by otter with the `lngeo` checkers: a visible test "
             f"(the cases readers see in the book) and hidden tiers with the instructor's seed "
             f"(`hidden_seed` in `coursework/exercises.yml`; change it each term). Written exercises "
             "are graded by hand with the rubric below.", "",
             "## Suggested problem sets", ""]
    for ps in data["problem_sets"]:
        labels = [ex.label for ch in ps["chapters"] for ex in by_chapter.get(ch, [])]
        pts = sum(data["exercises"][lb]["points"] for lb in labels)
        mins = sum(data["exercises"][lb]["minutes"] for lb in labels)
        lines += [f"**{ps['title']}** — {len(labels)} exercises, {pts} points, about {mins} minutes "
                  f"of exercise work. {ps['note']}", ""]
    for chapter, exs in by_chapter.items():
        info = data["chapters"][chapter]
        lines += [f"## Chapter {int(chapter[:2])}: {info['title']}", "",
                  f"Reading time about {info['minutes']} minutes. Prerequisites: {', '.join(info['prerequisites'])}.", "",
                  "Learning objectives:", ""]
        lines += [f"- {o}" for o in info["objectives"]] + [""]
        lines += ["| Exercise | Kind | Points | Time | Difficulty |", "|---|---|---|---|---|"]
        for ex in exs:
            e = data["exercises"][ex.label]
            kind = "code (autograded)" if ex.kind == "code" else "written (rubric)"
            lines.append(f"| `{ex.label}` | {kind} | {e['points']} | {e['minutes']} min | {stars[e['difficulty']]} |")
        lines.append("")
        for ex in exs:
            e = data["exercises"][ex.label]
            lines += [f"### `{ex.label}`", "", first_sentence(ex.prompt.source), ""]
            if ex.kind == "code":
                mistakes = classic_mistakes(e["checker"])
                lines += [f"Autograded: `{e['function']}` is checked by `lngeo.exercises.{e['checker']}`."]
                if mistakes:
                    lines += ["", "Classic mistakes the checker names:", ""] + [f"- {m}" for m in mistakes]
                lines.append("")
            else:
                lines += [f"Rubric ({e['points']} points):", ""]
                lines += [f"- {p} pt: {text}" for p, text in e["rubric"]] + [""]
    return "\n".join(lines) + "\n"


# -- the student HTML site ---------------------------------------------------------------------

def student_site(out: Path, student_dir: Path, execute: bool = True) -> None:
    """A book source tree whose chapters are the student notebooks, with ``hide_solutions``.

    ``execute=False`` (tests): the pages are built without running the chapters.
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name in ("_toc.yml", "intro.md", "api.md", "references.bib"):
        shutil.copy(ROOT / name, out / name)
    for name in ("_ext", "_static"):
        shutil.copytree(ROOT / name, out / name)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = config["title"] + " (student edition)"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    if not execute:
        config["execute"]["execute_notebooks"] = "off"
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (out / "chapters").mkdir()
    for path in chapter_paths():
        src = student_dir / path.stem / "student" / path.name
        nb = nbformat.read(src, as_version=4)
        nbformat.write(nb, out / "chapters" / path.name)


# -- grading -----------------------------------------------------------------------------------

def submission_chapter(path: Path) -> str | None:
    try:
        nb = nbformat.read(path, as_version=4)
        chapter = nb.metadata.get("lngeo", {}).get("chapter")
    except Exception:
        chapter = None
    if chapter:
        return chapter
    m = re.match(r"(\d\d)", path.name)
    if m:
        for p in chapter_paths():
            if p.name.startswith(m.group(1)):
                return p.stem
    return None


def grade(submissions: Path, autograders: Path, csv_path: Path, data: dict | None = None) -> list[dict]:
    """Grade every ``*.ipynb`` under ``submissions`` with its chapter's autograder (no Docker).

    One CSV row per submission: the autograded score of every code question, an empty column
    for every written question (to fill in by hand from the rubric), and the totals.
    """
    import contextlib
    import io
    import otter.run

    data = data or load_data()
    exercises = all_exercises(data)
    columns = [ex.label for ex in exercises]
    rows = []
    for sub in sorted(submissions.rglob("*.ipynb")):
        chapter = submission_chapter(sub)
        row: dict = {"submission": str(sub.relative_to(submissions)), "chapter": chapter or ""}
        zips = sorted((autograders / (chapter or "?") / "autograder").glob("*-autograder_*.zip"))
        if not zips:
            row["error"] = "no autograder for this notebook's chapter"
            rows.append(row)
            continue
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                results = otter.run.main(str(sub), autograder=str(zips[-1]), output_dir=None, no_logo=True)
        except Exception as exc:  # a notebook that cannot be graded is a row with an error, not a crash
            row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
            continue
        if results.catastrophic_error is not None:
            row["error"] = f"grading failed: {results.catastrophic_error}"
        row["feedback"] = question_feedback(results, [qname(e.label) for e in exercises if e.chapter == chapter and e.kind == "code"])
        auto, possible = 0.0, 0.0
        for ex in exercises:
            if ex.chapter != chapter:
                continue
            pts = data["exercises"][ex.label]["points"]
            if ex.kind == "code":
                try:
                    score = float(results.get_score(qname(ex.label)))
                except Exception:
                    score = 0.0
                row[ex.label] = round(score, 4)
                auto += score
                possible += pts
        row["autograded"] = round(auto, 4)
        row["autograded_possible"] = possible
        row.setdefault("error", "")
        rows.append(row)
    fields = ["submission", "chapter"] + columns + ["autograded", "autograded_possible", "error"]
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in fields})
    # Per-submission feedback (what failed and why), next to the CSV: <csv stem>-feedback/<name>.txt
    fb_dir = csv_path.with_name(csv_path.stem + "-feedback")
    shutil.rmtree(fb_dir, ignore_errors=True)
    fb_dir.mkdir(parents=True)
    for row in rows:
        name = row["submission"].replace("/", "__").removesuffix(".ipynb") + ".txt"
        (fb_dir / name).write_text(row.get("feedback") or row.get("error") or "", encoding="utf-8")
    return rows


def question_feedback(results, questions: list[str]) -> str:
    """Each code question's score and the messages of its failing *visible* test cases."""
    parts = []
    for q in questions:
        try:
            tf = results.get_result(q)
        except Exception:
            parts.append(f"{q}: not graded (no result)")
            continue
        parts.append(f"{q}: {tf.score:g}/{tf.possible:g}")
        for r in tf.test_case_results:
            if not r.passed and not r.test_case.hidden:
                parts.append("  " + r.message.replace("\n", "\n  "))
    return "\n".join(parts)


# -- self-check: every variant of every code answer through the autograder's own test files ------

def answer_stubs(student_nb: Path) -> dict[str, str]:
    """Question name → the student notebook's answer cell (the stub students start from)."""
    nb = nbformat.read(student_nb, as_version=4)
    return {q: c.source for c in nb.cells if c.cell_type == "code"
            for q in c.metadata.get("otter", {}).get("tests", [])}


def selfcheck(otter_dir: Path, data: dict | None = None) -> list[dict]:
    """Score the worked solution, the student stub and the book's wrong starter of every code
    exercise with the autograder zip's test files (the files ``otter run`` uses), in-process.

    Returns one dict per (exercise, variant): score, possible, and the failing visible tests'
    messages (what a student would read).
    """
    import contextlib
    import io
    import tempfile
    import zipfile
    from otter.test_files import create_test_file

    data = data or load_data()
    out = []
    for path in chapter_paths():
        chapter = path.stem
        zips = sorted((otter_dir / chapter / "autograder").glob("*-autograder_*.zip"))
        stubs = answer_stubs(otter_dir / chapter / "student" / path.name)
        with tempfile.TemporaryDirectory() as tmp:
            zipfile.ZipFile(zips[-1]).extractall(tmp)
            for ex in read_exercises(path, data):
                if ex.kind != "code":
                    continue
                q = qname(ex.label)
                for variant, code in (("solution", ex.solution_code), ("stub", stubs.get(q, "")), ("starter", ex.starter_code)):
                    env: dict = {}
                    with contextlib.redirect_stdout(io.StringIO()):
                        exec(SETUP_SOURCE, env)
                        try:
                            exec(code, env)
                        except Exception as exc:  # a broken answer is graded, not a crash
                            env["__error__"] = exc
                    tf = create_test_file(str(Path(tmp) / "tests" / f"{q}.py"), None)
                    tf.run(env)
                    feedback = "\n".join(r.message for r in tf.test_case_results if not r.passed and not r.test_case.hidden)
                    out.append({"label": ex.label, "chapter": chapter, "variant": variant,
                                "score": float(tf.score), "possible": float(tf.possible), "feedback": feedback})
    return out


# -- the leak check: no solution text in any student artefact ------------------------------------

MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\{[a-z:]+\}`[^`]*`|`[^`]*`", re.S)


def _norm(text: str) -> str:
    return " ".join(text.replace("−", "-").replace("*", "").split())


def secrets(data: dict | None = None) -> dict[str, list[str]]:
    """Exercise label → fragments of its solution that appear in no chapter outside solutions.

    Code solutions: the lines of the function body. Written solutions: runs of at least six
    words of plain prose (math, roles and code removed), and formulas of 16 characters or more
    (the HTML keeps a formula's TeX), so they survive rendering.
    """
    data = data or load_data()
    found: dict[str, list[str]] = {}
    public_parts = []
    for path in chapter_paths():
        nb = nbformat.read(path, as_version=4)
        public_parts += [c.source for c in nb.cells if "solution" not in tags(c)]
    public = _norm(" ".join(public_parts))
    public_lines = {_norm(ln) for part in public_parts for ln in part.splitlines()}
    for ex in all_exercises(data):
        frags = []
        if ex.solution_code:
            body = ex.solution_code.split(f"def {data['exercises'][ex.label]['function']}(", 1)[1].splitlines()[1:]
            for ln in body:
                n = _norm(ln.split("#")[0])
                if len(n) >= 12 and n not in public_lines and n not in public and not n.startswith(("check_", "from ", "import ")):
                    frags.append(n)
        for cell in ex.solution_md:
            text = OPEN.sub("", cell.source)
            text = re.sub(r"^:\w+:.*$|^```.*$", "", text, flags=re.M)
            for m in re.finditer(r"\$\$(.+?)\$\$|\$([^$]+)\$", text, flags=re.S):
                formula = m.group(1) or m.group(2)
                if len(formula) >= 16 and _norm(formula) not in public:
                    frags.append(_norm(formula))
            for run in MATH.split(text):
                for piece in re.split(r"[.;:(),—]", run):
                    piece = _norm(piece)
                    if len(piece.split()) >= 6 and piece not in public:
                        frags.append(piece)
        found[ex.label] = frags
    return found


def html_text(raw_html: str) -> str:
    import html as html_mod
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", raw_html, flags=re.S)
    return _norm(html_mod.unescape(re.sub(r"<[^>]+>", "", text)))


def leaks(paths: list[Path], data: dict | None = None) -> list[str]:
    """Every (file, exercise, fragment) where solution text appears in a student artefact.

    ``paths``: files or folders (notebooks, HTML, ``_sources`` text, anything readable). The
    hidden-test seed counts as solution text too.
    """
    data = data or load_data()
    table = secrets(data)
    seed = str(data["hidden_seed"])
    problems = []
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*"))) if f.is_file()]
    for f in files:
        if f.suffix not in {".ipynb", ".html", ".txt", ".md", ".py", ".js", ".json"}:
            continue
        raw_text = f.read_text(encoding="utf-8", errors="replace")
        if f.suffix == ".ipynb":
            nb = json.loads(raw_text)
            text = _norm("\n".join("".join(c.get("source", "")) for c in nb.get("cells", []))
                         + json.dumps(nb.get("metadata", {}), ensure_ascii=False))
            text = _norm(text + " " + " ".join(ln for c in nb.get("cells", []) for ln in "".join(c.get("source", "")).splitlines()))
        elif f.suffix == ".html":
            text = html_text(raw_text) + " " + _norm(raw_text)
        else:
            text = _norm(raw_text)
        for label, frags in table.items():
            for frag in frags:
                if frag in text:
                    problems.append(f"{f}: {label}: {frag!r}")
        if re.search(rf"\b{seed}\b", raw_text):
            problems.append(f"{f}: the hidden-test seed {seed}")
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("masters"); p.add_argument("out", type=Path)
    p = sub.add_parser("assign"); p.add_argument("out", type=Path); p.add_argument("--chapter", action="append")
    p = sub.add_parser("guide"); p.add_argument("out", type=Path)
    p = sub.add_parser("site"); p.add_argument("out", type=Path); p.add_argument("student_dir", type=Path); p.add_argument("--no-execute", action="store_true")
    p = sub.add_parser("grade"); p.add_argument("submissions", type=Path); p.add_argument("autograders", type=Path); p.add_argument("csv", type=Path)
    p = sub.add_parser("selfcheck"); p.add_argument("otter_dir", type=Path)
    p = sub.add_parser("leaks"); p.add_argument("paths", type=Path, nargs="+")
    args = parser.parse_args(argv)
    data = load_data()
    if args.cmd == "masters":
        for path in write_masters(args.out, data):
            print(path)
    elif args.cmd == "assign":
        assign(args.out, data, args.chapter)
        print(f"otter assign: {args.out}/<chapter>/{{student,autograder}}")
    elif args.cmd == "guide":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(guide(data), encoding="utf-8")
        print(args.out)
    elif args.cmd == "site":
        student_site(args.out, args.student_dir, execute=not args.no_execute)
        print(args.out)
    elif args.cmd == "grade":
        rows = grade(args.submissions, args.autograders, args.csv, data)
        for row in rows:
            print(f"{row['submission']}: {row.get('autograded', '-')}/{row.get('autograded_possible', '-')} {row.get('error', '')}")
        print(f"scores written to {args.csv}")
    elif args.cmd == "selfcheck":
        print(json.dumps(selfcheck(args.otter_dir, data), ensure_ascii=False, indent=1))
    elif args.cmd == "leaks":
        problems = leaks(args.paths, data)
        for line in problems:
            print(line)
        if problems:
            raise SystemExit(f"{len(problems)} solution fragment(s) found in student artefacts")
        print(f"no solution text in {len(args.paths)} student path(s)")


if __name__ == "__main__":
    main()
