"""The two errors a user can cause: unusable data and impossible parameters. Each message says
what is wrong and where (file, line, column, value; or the parameter and the values allowed)."""

from __future__ import annotations


class DataError(Exception):
    """A data directory, a parameter file or an input file is unusable."""


class ParameterError(ValueError):
    """A notebook parameter is impossible; the message names it and the allowed values."""
