"""The few exceptions the library raises on purpose.

Front ends (the CLI, the app) catch ``ChatrecError`` and print its message as one line that says
how to fix the problem; ``CHATREC_DEBUG=1`` re-raises for a traceback.
"""


class ChatrecError(Exception):
    """Base of every error chatrec raises for a condition the user can fix."""


class ConfigError(ChatrecError):
    """A setting, mapping or model path is invalid."""


class SourceError(ChatrecError):
    """A catalog source is missing, unreadable or not of a known format."""


class StoreError(ChatrecError):
    """The vector store is unreachable or holds something we cannot use."""


class InputError(ChatrecError):
    """A value given to the library is of the wrong type or outside its sane range."""


class UnknownSession(ChatrecError):
    """A session id that this store never issued, or that belongs to someone else (the two are
    indistinguishable on purpose: an error must not confirm that someone else's session exists)."""


class SessionsError(ChatrecError):
    """The session store is busy (locked by another process) or unreadable (corrupt)."""


def one_line(exc: BaseException, subject: str | None = None) -> str:
    """An exception as the one line a front end shows: a pydantic ``ValidationError`` becomes
    "invalid <subject>: field: message; ..." without its dump of input values, types and
    documentation links (``subject`` defaults to the model's name)."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return " ".join(str(exc).split()) or type(exc).__name__
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        where = ".".join(str(part) for part in error["loc"])
        problems.append(f"{where}: {message}" if where else message)
    return f"invalid {subject or exc.title}: {'; '.join(problems)}"
