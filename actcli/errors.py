"""Errors a user can cause. The CLI turns any `UserError` into one line on stderr and exit status 2.

Bugs are not UserErrors: they crash loudly with a traceback, so they get fixed.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input: the message names the problem and the fix, in one or two lines."""


class SpecError(UserError):
    """A spec that cannot be read or is not valid. The message names the file, the key path and the line."""


class DataError(UserError):
    """A data file or task parameter that cannot be used (missing file, NaN, one class only, ...)."""


class RunError(UserError):
    """A run folder that is missing, incomplete or damaged (e.g. weights.npz with wrong shapes)."""
