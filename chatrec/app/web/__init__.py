"""The browser app: render (HTML, escaped), handlers (library calls), layout (the page), serve."""

from chatrec.app.web.handlers import FAILED, ChatApp
from chatrec.app.web.layout import build_app
from chatrec.app.web.render import card_html, preference_entries
from chatrec.app.web.serve import main, serve

__all__ = ["FAILED", "ChatApp", "build_app", "card_html", "main", "preference_entries", "serve"]
