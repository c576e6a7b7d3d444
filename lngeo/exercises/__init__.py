"""Self-checking exercises: run a student's function on random and adversarial inputs.

A self-checking exercise asks the reader to write one function (``my_layer_norm``,
``my_project``, …) and hands it to a ``check_…`` function. The checker calls it on a list of
:class:`Case` objects (random inputs, then inputs chosen to catch the usual mistakes),
compares with ``lngeo``'s reference, and returns a :class:`CheckResult` that is truthy when
everything passed and otherwise says exactly which property failed on which input, naming the
classic mistake that reproduces the wrong answer when there is one.

``lngeo.exercises.checking`` holds that machinery; each chapter's checker lives in a module
named like the chapter's explorer in :mod:`lngeo.widgets`.
"""

from .checking import Case, CheckResult, run_cases
from .composition import check_layer_norm
from .projection import check_project
from .scaling import check_radial_fraction
from .affine import check_hyperplane_normal
from .output_set import check_semi_axes
from .dynamics import check_jacobian
from .real_model import check_tilt_angle

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
