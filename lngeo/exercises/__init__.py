"""Self-checking exercises: run a student's function on visible or hidden cases and judge it.

**Interface** (shared with the otter-grader editions in ``tools/`` and ``coursework/``).
Every checker has the signature::

    check_<name>(student, seed=0, *, hidden=False) -> CheckResult

* ``student`` is the reader's function. It is called **positionally** with the arguments the
  exercise names (``my_layer_norm(x, gain, bias, eps)``), so parameter names do not matter.
* ``seed`` draws the random cases; ``hidden=False`` gives the visible cases a reader sees in
  the chapter, ``hidden=True`` an instructor-only set drawn from an independent stream of
  the same seed: other inputs, widths up to 768, float32 inputs, and batched inputs along
  the last axis for the batched exercise.
* The student's function may return numpy arrays, Python numbers, lists of numbers or torch
  tensors (float64 or float32; a tensor that requires grad is judged by its value). ``None``,
  ``...``, strings, dicts, sets, generators, ragged lists and complex numbers fail the case
  with a message naming what came back; a call that takes longer than
  ``lngeo.exercises.checking.TIMEOUT_S`` (20 s) fails and the remaining cases are skipped.
* :class:`CheckResult` is truthy iff every case passed; ``.passed`` (bool), ``.score``
  (fraction of cases passed, in [0, 1]), ``.n_cases``, ``.message`` (a one-paragraph
  summary, also ``str(result)``), ``.failures`` (one message per failing case),
  ``.outcomes`` (per-case records), ``.diagnosis`` and ``.report()`` (per-case feedback for a
  grader's per-question report).

``CHECKERS`` maps the chapters' ``{exercise}`` labels to :class:`Exercise` entries. An
entry is callable like its checker (``CHECKERS["ex-ln-implement"](my_layer_norm, seed=7,
hidden=True)``) and carries the name of the function the reader writes::

    Exercise(label, function_name, checker, points, chapter, signature)

What the checkers promise (feedback that is never wrong: positional calls, time limits,
unusable return values named, dtype-aware tolerances, diagnoses only when certain) is
described in ``lngeo.exercises.checking``. The docstrings here say what is checked, never
how to compute it.
"""

from .checking import Case, CaseOutcome, CheckResult, run_cases
from .composition import check_batched_layer_norm, check_layer_norm
from .affine import check_hyperplane_normal
from .dynamics import check_arc_angle, check_jacobian
from .output_set import (
    check_in_output_set,
    check_principal_axes,
    check_semi_axes,
    check_slice_coordinates,
    check_vertex_preimage,
)
from .projection import check_project
from .real_model import check_tilt_angle
from .registry import CHECKERS, Exercise
from .scaling import check_radial_fraction

#: Exercise label → :class:`Exercise` (callable like its checker).
#:
#: :meta hide-value:
CHECKERS = CHECKERS

__all__ = [
    "CHECKERS",
    "Case",
    "CaseOutcome",
    "CheckResult",
    "Exercise",
    "run_cases",
    "check_arc_angle",
    "check_batched_layer_norm",
    "check_hyperplane_normal",
    "check_in_output_set",
    "check_jacobian",
    "check_layer_norm",
    "check_principal_axes",
    "check_project",
    "check_radial_fraction",
    "check_semi_axes",
    "check_slice_coordinates",
    "check_tilt_angle",
    "check_vertex_preimage",
]
