"""The claims ledger: no chapter's prose holds a measured number that is not glued."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("ledger", ROOT / "tools" / "ledger.py")
ledger = importlib.util.module_from_spec(_spec)
sys.modules["ledger"] = ledger  # dataclasses look their module up
_spec.loader.exec_module(ledger)

CHAPTERS = ledger.chapters()


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_measured_number_in_the_prose_is_glued(path):
    entry = ledger.audit(path)
    listing = "\n".join(f"  {tok!r}: … {ctx} …" for tok, ctx in entry.unglued)
    assert not entry.unglued, (
        f"{path.name}: {len(entry.unglued)} numbers typed by hand; glue them with "
        f"lngeo.prose.glue and {{glue:md}}`name:myst`, or allow-list a definitional one "
        f"in the notebook metadata 'ledger.allow' with its reason:\n{listing}")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_allow_list_entry_is_used_and_has_a_reason(path):
    entry = ledger.audit(path)
    assert not entry.stale, f"{path.name}: allow-list entries never used: {entry.stale}"
    assert all(isinstance(r, str) and r.strip() for r in entry.allowed.values())


def _notebook(tmp_path, markdown, allow=None):
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": markdown}],
          "metadata": {"ledger": {"allow": allow or {}}}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "ch.ipynb"
    path.write_text(json.dumps(nb))
    return path


@pytest.mark.parametrize("text, token", [
    ("the share never exceeds 0.085 here", "0.085"),
    ("a gap of $4\\cdot10^{-15}$ below", "4\\cdot10^{-15}"),
    ("tilted by 86° away", "86°"),
    ("removes $0.7\\%$ of it", "0.7\\%"),
    ("all 833 tokens", "833"),
    ("a floor of 10⁻¹² only", "10⁻¹²"),
    ("  - nested list text 0.5 still prose", "0.5"),
])
def test_the_ledger_flags_a_typed_number(tmp_path, text, token):
    entry = ledger.audit(_notebook(tmp_path, text))
    assert [t for t, _ in entry.unglued] == [token]


@pytest.mark.parametrize("text", [
    "a share of {glue:md}`share_max:myst` at most",
    "code such as `x.var(ddof=1) * 1e-5` is not prose",
    "in float32 and float64, with N = 3 and chapter 5",
    "```python\nx = 0.125\n```",
    "```{solution} ex-a\n:label: ex-10\n\n    y = 2.5 * x\n```",
    "see [the paper](https://arxiv.org/abs/2405.04134)",
])
def test_the_ledger_ignores_what_is_not_a_typed_number(tmp_path, text):
    assert ledger.audit(_notebook(tmp_path, text)).unglued == []


def test_an_allow_listed_number_passes_and_an_unused_entry_is_reported(tmp_path):
    entry = ledger.audit(_notebook(tmp_path, "the width $N = 384$", {"384": "model width", "99": "x"}))
    assert entry.unglued == [] and entry.allowed == {"384": "model width"}
    assert entry.stale == ["99"]
