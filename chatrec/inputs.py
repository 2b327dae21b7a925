"""Checks for values that come from outside (the Python API, the web API, the page): text is
cleaned, anything that is not what it claims to be is refused with a message that says what was
expected. Every entry point calls these, so no caller can get past them with a list or a lone
surrogate.
"""

from __future__ import annotations

from chatrec.errors import InputError


def clean_text(value: str) -> str:
    """``value`` without what no encoder accepts: lone surrogates become U+FFFD, NUL goes.

    A surrogate pair that arrived as two code points is joined into its character on the way.
    """
    fixed = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return fixed.replace("\x00", "")


def text(value: object, what: str) -> str:
    """``value`` as clean text, or InputError naming ``what`` when it is not a string at all."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, not {type(value).__name__}")
    return clean_text(value)


def flag(value: object, what: str) -> bool:
    """``value`` when it is a real bool (1, "yes" and "false" are refused, not guessed)."""
    if not isinstance(value, bool):
        raise InputError(f"{what} must be true or false, not {type(value).__name__}")
    return value
