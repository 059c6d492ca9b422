"""The two errors a user can cause: unusable data and impossible parameters. Each message says
what is wrong and where (file, line, column, value; or the parameter and the values allowed),
and echoes values short (``shown``, ``clip``)."""

from __future__ import annotations

import reprlib

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8


class DataError(Exception):
    """A data directory, a parameter file or an input file is unusable."""


class ParameterError(ValueError):
    """A notebook parameter is impossible; the message names it and the allowed values."""


def clip(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut), for messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: object, limit: int = 80) -> str:
    """A value as echoed in a message: its repr, built with bounds (however large or nested the
    value is) and clipped to ``limit`` characters."""
    return clip(_REPR.repr(value), limit)
