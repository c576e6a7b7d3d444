"""lngeo: the geometry of LayerNorm, computed (Riechers 2024, *Geometry and Dynamics of LayerNorm*).

LayerNorm is a projection (remove the component along 1), a nonlinear scaling (onto,
or just inside, the sphere of radius √N) and an affine map (diagonal gain, bias); every
output lies inside an (N−1)-dimensional ellipsoid cut from a hyperplane.

The names below are the public API; submodules hold the rest (``lngeo.secular``,
``lngeo.dynamics``, ``lngeo.section``, ``lngeo.models``, ``lngeo.widgets``,
``lngeo.exercises``, …).
"""

from .core import (
    Decomposition,
    affine,
    decompose,
    layer_norm,
    project,
    radial_fraction,
    rms_norm,
    scale,
)
from .geometry import (
    ellipsoid_contains,
    hyperplane_normal,
    interlacing_bounds,
    jacobian,
    m_matrix,
    normal_space,
    principal_axes,
    semi_axes,
    slice_coordinates,
)
from .normal_direction import (
    DeadDirection,
    dead_direction,
    output_covariance,
    tilt_from_inverse_gains,
)

__all__ = [
    # core: LayerNorm and its three stages
    "Decomposition",
    "affine",
    "decompose",
    "layer_norm",
    "project",
    "radial_fraction",
    "rms_norm",
    "scale",
    # geometry: the output set
    "ellipsoid_contains",
    "hyperplane_normal",
    "interlacing_bounds",
    "jacobian",
    "m_matrix",
    "normal_space",
    "principal_axes",
    "semi_axes",
    "slice_coordinates",
    # normal_direction: the hyperplane's normal, its tilt and its dead direction
    "DeadDirection",
    "dead_direction",
    "output_covariance",
    "tilt_from_inverse_gains",
]

__version__ = "0.1.0"
