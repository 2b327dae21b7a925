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
