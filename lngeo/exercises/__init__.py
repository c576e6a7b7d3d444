"""Self-checking exercises: run a student's function on random and adversarial inputs.

A self-checking exercise asks the reader to write one function (``my_layer_norm``,
``my_project``, …) and hands it to a ``check_…`` function. The checker calls it on a list of
:class:`Case` objects (random inputs, then inputs chosen to catch the usual mistakes),
compares with ``lngeo``'s reference, and returns a :class:`CheckResult` that is truthy when
everything passed and otherwise says exactly which property failed on which input, naming the
classic mistake that reproduces the wrong answer when there is one.
"""

from .checking import (
    Case,
    CheckResult,
    run_cases,
    check_layer_norm,
    check_project,
    check_radial_fraction,
    check_hyperplane_normal,
    check_semi_axes,
    check_jacobian,
    check_tilt_angle,
)

__all__ = [
    "Case",
    "CheckResult",
    "run_cases",
    "check_layer_norm",
    "check_project",
    "check_radial_fraction",
    "check_hyperplane_normal",
    "check_semi_axes",
    "check_jacobian",
    "check_tilt_angle",
]
