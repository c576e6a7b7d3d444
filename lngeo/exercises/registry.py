"""The registry of the book's self-checking exercises: label → :class:`Exercise`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .affine import check_hyperplane_normal
from .checking import CheckResult
from .composition import check_batched_layer_norm, check_layer_norm
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
from .scaling import check_radial_fraction


@dataclass(frozen=True)
class Exercise:
    """One self-checking exercise of the book.

    Attributes
    ----------
    label : str
        The ``{exercise}`` label in the chapter (``"ex-ln-implement"``).
    function_name : str
        The name of the function the reader writes (``"my_layer_norm"``).
    checker : callable
        ``checker(student, seed=0, *, hidden=False) -> CheckResult``.
    points : float
        Suggested weight in a graded edition.
    chapter : str
        The notebook the exercise belongs to (``"01_composition"``); new exercises name the
        chapter whose material they use.
    signature : str
        The arguments the student's function receives, in order (``"x, gain, bias, eps"``).
    """

    label: str
    function_name: str
    checker: Callable[..., CheckResult]
    points: float
    chapter: str
    signature: str

    def __call__(self, student: Callable, seed: int = 0, *, hidden: bool = False) -> CheckResult:
        return self.checker(student, seed, hidden=hidden)


_EXERCISES = [
    Exercise("ex-ln-implement", "my_layer_norm", check_layer_norm, 2.0, "01_composition", "x, gain, bias, eps"),
    Exercise("ex-batched-layer-norm", "my_batched_layer_norm", check_batched_layer_norm, 2.0, "01_composition", "x, gain, bias, eps"),
    Exercise("ex-proj-implement", "my_project", check_project, 1.0, "02_projection", "x"),
    Exercise("ex-scale-implement", "my_radial_fraction", check_radial_fraction, 1.0, "03_scaling", "x, eps"),
    Exercise("ex-affine-implement", "my_normal", check_hyperplane_normal, 2.0, "04_affine", "gain"),
    Exercise("ex-semi-axes", "my_semi_axes", check_semi_axes, 2.0, "05_output_set", "gain"),
    Exercise("ex-principal-axes", "my_principal_axes", check_principal_axes, 3.0, "05_output_set", "gain"),
    Exercise("ex-slice-coordinates", "my_slice_coordinates", check_slice_coordinates, 2.0, "05_output_set", "y, gain, bias"),
    Exercise("ex-in-output-set", "my_in_output_set", check_in_output_set, 2.0, "05_output_set", "y, gain, bias"),
    Exercise("ex-vertex-preimage", "my_vertex_preimage", check_vertex_preimage, 2.0, "05_output_set", "y, gain, bias"),
    Exercise("ex-jacobian", "my_jacobian", check_jacobian, 3.0, "06_dynamics", "x, gain, eps"),
    Exercise("ex-arc", "my_arc_angle", check_arc_angle, 2.0, "06_dynamics", "a, c"),
    Exercise("ex-tilt-angle", "my_tilt_angle", check_tilt_angle, 2.0, "07_real_model", "gain"),
]

#: Exercise label → :class:`Exercise` (callable like its checker).
#:
#: :meta hide-value:
CHECKERS: dict[str, Exercise] = {e.label: e for e in _EXERCISES}

__all__ = ["CHECKERS", "Exercise"]
