"""The conversation's explicit state: what the UI shows, feedback edits, sessions store and
retrieval filters on. Reading messages into it is ``chatrec.understanding``; writing replies from
it is ``chatrec.writing``."""

from chatrec.dialogue.state import DialogueState

__all__ = ["DialogueState"]
