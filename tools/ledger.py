"""The claims ledger: every measured-looking number in a chapter's prose is glued.

A chapter's markdown may show a number in two ways only:

* glued from the cell that computes it, ``{glue:md}`name:myst``` (see ``lngeo.prose``);
* listed in the chapter's allow-list, with the reason it is definitional, in the notebook
  metadata ``"ledger": {"allow": {"384": "the model's width N", ...}}``.

"Measured-looking" means: a decimal (``0.085``), a power of ten (``10^{-12}``,
``2.4\\cdot10^{-8}``, ``1e-5``), a percentage or an angle (``0.7 %``, ``86°``), or an
integer of two or more digits (``833``). Single digits are structure (``N = 3``,
``k - 1``, chapter 5) and are not counted. Roles, inline code, code blocks, directive
options, link targets and labels are not prose and are skipped.

Run ``python tools/ledger.py`` to print each chapter's glued count, allowed count and
any unglued numbers with their context.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Definitional in every chapter; keep this short.
GLOBAL_ALLOW = {
    "10^{-5}": "PyTorch's default ε",
    "768": "BERT-base / GPT-2 width, the book's running example of N",
    "2016": "year in a citation",
    "2023": "year in a citation",
    "2024": "year in a citation",
}

_ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")
_CODE = re.compile(r"``[^`]*``|`[^`]*`")
_LINK = re.compile(r"\]\([^)]*\)")
_TARGET = re.compile(r"^\([\w:-]+\)=\s*$", re.M)
_LABEL = re.compile(r"\\(label|tag|ref|eqref)\{[^}]*\}")
_OPTION = re.compile(r"^:[\w-]+:.*$", re.M)
_NUMBER = re.compile(
    r"(?:\d+(?:\.\d+)?\s*(?:\\cdot|\\times|×|·)\s*)?10\s*\^\s*\{?\s*[-−]?\s*\d+\s*\}?"  # 10^{k}
    r"|10[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+"                                               # 10⁻⁵
    r"|\d+(?:\.\d+)?[eE][-+]?\d+"                                            # 1e-5
    r"|\d+(?:\.\d+)?\s*(?:\\%|%|°|\^\\circ|\^\{\\circ\})"                   # 7 %, 86°
    r"|\d*\.\d+"                                                           # 0.085
    r"|\d{2,}"                                                             # 833
)
_NOT_A_NUMBER_START = re.compile(r"[\w.]")  # float32, e_2, x.5 are not numbers


def normalise(token: str) -> str:
    """One spelling per number: no spaces or braces-around-digits, ASCII minus."""
    token = token.replace("−", "-").replace(" ", "")
    sup = str.maketrans("⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹", "-+0123456789")
    if re.fullmatch(r"10[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+", token):
        token = "10^{" + token[2:].translate(sup).lstrip("+") + "}"
    token = token.replace("\\times", "\\cdot").replace("×", "\\cdot").replace("·", "\\cdot")
    token = re.sub(r"10\^(-?\d+)$", r"10^{\1}", token)
    return token.replace("^{\\circ}", "°").replace("^\\circ", "°").replace("\\%", "%")


def prose_of(markdown: str) -> str:
    """The markdown with everything that is not prose removed (see the module docstring)."""
    lines, fence = [], None
    for line in markdown.splitlines():
        stripped = line.strip()
        opening = re.match(r"^(`{3,}|~{3,}|:{3,})(.*)$", stripped)
        if fence is None and opening:
            directive = opening.group(2).strip()
            fence = (opening.group(1), directive.startswith("{"))
            lines.append("")
            continue
        if fence is not None and stripped == fence[0]:
            fence = None
            lines.append("")
            continue
        if fence is not None and not fence[1]:   # a plain code block: not prose
            continue
        if line.startswith("    "):  # an indented code block
            continue
        lines.append(line)
    text = "\n".join(lines)
    for pattern in (_ROLE, _CODE, _LINK, _TARGET, _LABEL, _OPTION):
        text = pattern.sub(" ", text)
    return text


@dataclass
class Entry:
    """What the ledger found in one chapter."""

    path: Path
    glued: int = 0
    allowed: dict = field(default_factory=dict)
    unglued: list = field(default_factory=list)   # (token, context)
    stale: list = field(default_factory=list)     # allow-list entries never used


def audit(path: Path) -> Entry:
    """Scan one chapter notebook's markdown cells."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    allow = dict(GLOBAL_ALLOW)
    local = nb.get("metadata", {}).get("ledger", {}).get("allow", {})
    allow.update({normalise(k): v for k, v in local.items()})
    entry = Entry(Path(path))
    used = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        entry.glued += len(re.findall(r"\{glue(?::\w+)?\}`", source))
        text = prose_of(source)
        for match in _NUMBER.finditer(text):
            before = text[match.start() - 1: match.start()]
            if before and _NOT_A_NUMBER_START.match(before):
                continue
            token = normalise(match.group(0))
            if token in allow:
                used.add(token)
                entry.allowed[token] = allow[token]
                continue
            start, end = max(0, match.start() - 40), min(len(text), match.end() + 40)
            context = " ".join(text[start:end].split())
            entry.unglued.append((match.group(0), context))
    entry.stale = sorted(normalise(k) for k in local if normalise(k) not in used)
    return entry


def chapters() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb"))


def main() -> int:
    total_glued = total_allowed = total_unglued = 0
    for path in chapters():
        e = audit(path)
        total_glued += e.glued
        total_allowed += len(e.allowed)
        total_unglued += len(e.unglued)
        print(f"{path.name}: {e.glued} glued, {len(e.allowed)} allowed, "
              f"{len(e.unglued)} unglued")
        for token, context in e.unglued:
            print(f"    {token!r:>14}  … {context} …")
        for token in e.stale:
            print(f"    allow-list entry never used: {token!r}")
    print(f"book: {total_glued} glued, {total_allowed} allowed, {total_unglued} unglued")
    return 1 if total_unglued else 0


if __name__ == "__main__":
    sys.exit(main())
