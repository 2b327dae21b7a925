"""Sessions: who owns which conversation, and its state and history (SQLite by default)."""

from chatrec.sessions.store import InvalidState, SessionStore, StoredMessage

__all__ = ["InvalidState", "SessionStore", "StoredMessage"]
