"""The conversation: explicit state, reading messages into it, evidence, and the reply text."""

from chatrec.dialogue.state import DialogueState

__all__ = ["DialogueState"]
