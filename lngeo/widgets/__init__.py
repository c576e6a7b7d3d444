"""The book's explorers: each chapter's sliders, live and as a static frame player.

One module per chapter; each factory returns an :class:`lngeo.explorer.Explorer`.
:data:`EXPLORERS` lists every factory with the keyword arguments that build it, so the tests
can drive every control of every explorer through its full range.
"""

from .composition import composition_explorer, composition_frames
from .projection import projection_explorer, projection_frames
from .scaling import scaling_explorer, scaling_frames
from .affine import affine_explorer, affine_frames
from .output_set import output_set_explorer, output_set_frames
from .dynamics import arc_explorer, arc_frames, training_explorer, training_frames
from .real_model import real_model_explorer, real_model_frames

#: Every explorer in the book, as name -> zero-argument factory; the tests drive them all.
EXPLORERS = {
    "composition": composition_explorer,
    "projection": projection_explorer,
    "scaling": scaling_explorer,
    "affine": affine_explorer,
    "output_set": output_set_explorer,
    "arc": arc_explorer,
    "training": training_explorer,
    "real_model": real_model_explorer,
}

__all__ = [
    "EXPLORERS",
    "composition_explorer",
    "composition_frames",
    "projection_explorer",
    "projection_frames",
    "scaling_explorer",
    "scaling_frames",
    "affine_explorer",
    "affine_frames",
    "output_set_explorer",
    "output_set_frames",
    "arc_explorer",
    "arc_frames",
    "training_explorer",
    "training_frames",
    "real_model_explorer",
    "real_model_frames",
]
