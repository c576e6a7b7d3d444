"""lngeo: the geometry of LayerNorm, computed (Riechers 2024, *Geometry and Dynamics of LayerNorm*).

LayerNorm is a projection (remove the component along 1), a nonlinear scaling (onto,
or just inside, the sphere of radius √N) and an affine map (diagonal gain, bias).
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

__all__ = [
    "Decomposition",
    "affine",
    "decompose",
    "layer_norm",
    "project",
    "radial_fraction",
    "rms_norm",
    "scale",
]

from .geometry import (  # noqa: E402  (issue 3: output ellipsoid, principal axes, Jacobian)
    ellipsoid_contains,
    hyperplane_normal,
    interlacing_bounds,
    jacobian,
    normal_space,
    principal_axes,
    semi_axes,
    slice_coordinates,
)

__all__ += [
    "ellipsoid_contains",
    "hyperplane_normal",
    "interlacing_bounds",
    "jacobian",
    "normal_space",
    "principal_axes",
    "semi_axes",
    "slice_coordinates",
]

__version__ = "0.1.0"
