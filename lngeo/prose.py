"""Measured numbers for the prose: format a value once, glue it into the page.

A chapter never types a number it measured. The cell that computes it calls
:func:`glue`, and the markdown shows it with the role ``{glue:md}`name:myst```
(``:myst`` lets the glued text carry inline math such as ``$10^{-12}$``).
``tools/ledger.py`` and ``tests/test_ledger.py`` fail a chapter whose markdown holds
a measured-looking number that is neither glued nor on the chapter's allow-list.

Formats (the ``spec`` argument):

``"sci"`` / ``"sci:K"``
    scientific notation in math with ``K`` significant digits (default 2):
    ``1.1e-31`` becomes ``$1.1\\cdot10^{-31}$``; an exact power of ten ``$10^{-12}$``.
``"deg:K"``
    degrees with ``K`` decimals: ``5.6°``.
``"int"``
    an integer with a thin space between thousands: ``10 829``.
any other string
    a Python format spec (``".3f"``, ``".1%"``, ``"d"``), minus signs as ``−``.

A ``str`` value is glued as given (for words such as a layer's name).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["format_number", "glue"]


def _sci(value: float, digits: int) -> str:
    if value == 0:
        return "$0$"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = round(value / 10.0**exponent, digits - 1)
    if abs(mantissa) >= 10:  # 9.96 rounded up to 10.0
        mantissa /= 10
        exponent += 1
    sign = "-" if mantissa < 0 else ""
    if abs(mantissa) == 1:
        return f"${sign}10^{{{exponent}}}$"
    text = f"{abs(mantissa):.{digits - 1}f}"
    if exponent == 0:
        return f"${sign}{text}$"
    return f"${sign}{text}\\cdot10^{{{exponent}}}$"


def format_number(value, spec: str = ".3g") -> str:
    """Return ``value`` formatted for the book's prose, as inline MyST markdown.

    Parameters
    ----------
    value : number or str
        A measured value (a numpy scalar is fine); a ``str`` is returned unchanged.
    spec : str
        ``"sci"``, ``"sci:K"``, ``"deg:K"``, ``"int"`` or a Python format spec
        (see the module docstring).

    Returns
    -------
    str
        The text to show, with ``−`` (U+2212) for minus signs outside math.

    Raises
    ------
    TypeError
        If ``value`` is neither a real number nor a string.
    ValueError
        If ``value`` is not finite, or ``spec`` is not understood.

    Examples
    --------
    >>> format_number(1.07e-31, "sci")
    '$1.1\\\\cdot10^{-31}$'
    >>> format_number(1e-12, "sci:1")
    '$10^{-12}$'
    >>> format_number(5.63, "deg:1")
    '5.6°'
    >>> format_number(10829, "int")
    '10\\u2009829'
    >>> format_number(-0.5, ".2f")
    '−0.50'
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"value must be a real number or a str, got {type(value).__name__}")
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise ValueError(f"value must be finite (within float64) to be shown in the prose, "
                         f"got {str(value)[:40]}")
    if not isinstance(spec, str):
        raise TypeError(f"spec must be a str, got {type(spec).__name__}")
    kind, _, arg = spec.partition(":")
    if kind == "sci":
        return _sci(float(value), int(arg or 2))
    if kind == "deg":
        return f"{float(value):.{int(arg or 1)}f}°".replace("-", "−")
    if kind == "int":
        if float(value) != int(value):
            raise ValueError(f"value must be a whole number for spec 'int', got {value!r}")
        return f"{int(value):,}".replace(",", "\u2009").replace("-", "−")
    try:
        text = format(value, spec)
    except ValueError as exc:
        raise ValueError(f"spec {spec!r} is not a format this module knows: {exc}") from None
    return text.replace("-", "−")


def glue(name: str, value, spec: str = ".3g") -> str:
    """Glue a measured value into the book page under ``name``; return its text.

    The page shows it where the markdown says ``{glue:md}`name:myst```. Outside a
    book build (JupyterLab, Binder) nothing is displayed, and the returned text can be
    printed instead.

    Parameters
    ----------
    name : str
        The key used in the markdown role.
    value : number or str
        What was measured.
    spec : str
        How to show it; see :func:`format_number`.

    Returns
    -------
    str
        The formatted text.

    Examples
    --------
    >>> glue("ratio", 2.4236, ".2f")
    '2.42'
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    text = format_number(value, spec)
    try:
        from IPython.display import Markdown
        from myst_nb import glue as _glue
    except ImportError:  # e.g. a kernel without myst-nb: the prose is not being built
        return text
    _glue(name, Markdown(text), display=False)
    return text
