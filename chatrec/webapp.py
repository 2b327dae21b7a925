"""The browser chat app: a Gradio front end over :class:`~chatrec.agent.ChatRec`.

Nothing here decides anything: the agent understands, ranks and writes; this module renders its
events (streamed text, item cards, the session's tastes and constraints) and turns clicks into
library calls (feedback, removing a preference, setting filters). Every catalog string is
HTML-escaped before it reaches the page, because catalog rows are data, not markup.
"""

from __future__ import annotations

import argparse
import html
import logging
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr
from pydantic import ValidationError

from chatrec.agent import ChatRec
from chatrec.config import Settings
from chatrec.errors import ChatrecError, ConfigError
from chatrec.events import Done, Notice, Reason, Recommendations, TextDelta
from chatrec.state import DialogueState

log = logging.getLogger(__name__)

EXAMPLES = [
    "I loved Heat. Something similar, but under two hours",
    "A funny animated film for the whole family",
    "No horror please, something from the 80s",
    "Show me more",
]
STORAGE_KEY = "chatrec-session"
CSS = """
.rec-card { padding: 0.6rem 0.8rem; }
.rec-title { font-weight: 600; font-size: 1.05rem; }
.rec-facts { opacity: 0.75; font-size: 0.9rem; }
.rec-reason { margin: 0.4rem 0 0 0; }
.rec-feedback { font-size: 0.85rem; opacity: 0.8; }
.pref-row { flex-wrap: wrap; gap: 0.4rem; }
.pref-chip { flex: none !important; width: auto !important; min-width: fit-content !important;
             white-space: nowrap; }
"""
FAILED = "Sorry, something went wrong on our side. Your conversation is kept; please try again."

Messages = list[dict[str, str]]
Card = dict[str, Any]
Entry = dict[str, str]


# -- rendering: pure functions of library data ----------------------------------------------
def card_html(card: Card) -> str:
    """One recommendation as a card; every field escaped."""
    facts = [
        str(card.get("year") or ""),
        ", ".join(card.get("genres") or []),
        ("dir. " + ", ".join(card["directors"][:2])) if card.get("directors") else "",
        f"{card['runtime']} min" if card.get("runtime") else "",
        str(card.get("rating") or ""),
    ]
    mark = {"liked": "👍 you liked this", "disliked": "👎 noted: it will not come back"}.get(
        card.get("feedback", ""), ""
    )
    return (
        '<div class="rec-card">'
        f'<div class="rec-title">{html.escape(str(card["title"]))}</div>'
        f'<div class="rec-facts">{html.escape(" · ".join(f for f in facts if f))}</div>'
        f'<p class="rec-reason">{html.escape(str(card.get("reason") or ""))}</p>'
        + (f'<div class="rec-feedback">{mark}</div>' if mark else "")
        + "</div>"
    )


def _film(catalog: dict, item_id: str) -> str:
    meta = catalog.get(item_id, {})
    title = str(meta.get("title", item_id))
    return f"{title} ({meta['year']})" if meta.get("year") else title


def preference_entries(state: DialogueState, catalog: dict) -> list[Entry]:
    """The session's likes, dislikes and constraints as removable entries (kind/value are what
    :meth:`DialogueState.remove` takes)."""
    entries = [
        {"group": "Likes", "kind": "liked", "value": i, "label": _film(catalog, i)} for i in state.liked_ids
    ]
    entries += [
        {"group": "Likes", "kind": f"liked_{kind}", "value": v, "label": v}
        for kind, values in (("genre", state.likes.genres), ("person", state.likes.people))
        for v in values
    ]
    entries += [
        {"group": "Likes", "kind": "liked_decade", "value": str(d), "label": f"the {d}s"}
        for d in state.likes.decades
    ]
    entries += [
        {"group": "Dislikes", "kind": "disliked", "value": i, "label": _film(catalog, i)}
        for i in state.disliked_ids
    ]
    entries += [
        {"group": "Dislikes", "kind": f"disliked_{kind}", "value": v, "label": v}
        for kind, values in (("genre", state.dislikes.genres), ("person", state.dislikes.people))
        for v in values
    ]
    c = state.constraints
    words = {
        "year_from": f"from {c.year_from}",
        "year_to": f"until {c.year_to}",
        "max_runtime": f"at most {c.max_runtime} min",
        "min_runtime": f"at least {c.min_runtime} min",
        "genres": "only " + ", ".join(c.genres),
        "not_genres": "no " + ", ".join(c.not_genres),
        "ratings": "rated " + "/".join(c.ratings),
        "languages": "in " + " or ".join(c.languages),
        "people": "with " + ", ".join(c.people),
    }
    entries += [
        {"group": "Constraints", "kind": "constraint", "value": name, "label": label}
        for name, label in words.items()
        if getattr(c, name)
    ]
    return entries


def history_messages(history: list[Any]) -> Messages:
    return [{"role": m.role, "content": html.escape(m.text)} for m in history]


def last_cards(history: list[Any], state: DialogueState) -> list[Card]:
    """The cards of the latest turn that recommended something, with the feedback given since."""
    for message in reversed(history):
        if message.recommendations:
            return [_with_feedback(dict(card), state) for card in message.recommendations]
    return []


def _with_feedback(card: Card, state: DialogueState) -> Card:
    card["feedback"] = (
        "liked"
        if card["item_id"] in state.liked_ids
        else "disliked"
        if card["item_id"] in state.disliked_ids
        else ""
    )
    return card


# -- the app -------------------------------------------------------------------------------
class ChatApp:
    """The handlers behind the page; each takes the browser's session id and returns new values
    for the components, so the same functions serve the UI and its tests."""

    def __init__(self, bot: ChatRec) -> None:
        self.bot = bot
        self.catalog = bot.retriever.catalog
        self.genres = sorted(bot.retriever.vocabulary.known("genres"))

    def _view(
        self, session_id: str
    ) -> tuple[list[Entry], float | None, float | None, list[str], float | None]:
        state = self.bot.state(session_id)
        c = state.constraints
        return preference_entries(state, self.catalog), c.year_from, c.year_to, list(c.genres), c.max_runtime

    def load(self, session_id: str | None) -> tuple[Any, ...]:
        """Page load: a new session id, or the stored conversation and state of the kept one."""
        session_id = session_id or uuid.uuid4().hex
        history = self.bot.history(session_id)  # one read serves the chat and the cards
        return (
            session_id,
            history_messages(history),
            last_cards(history, self.bot.state(session_id)),
            *self._view(session_id),
        )

    def respond(self, message: str, history: Messages, session_id: str) -> Iterator[tuple[Any, ...]]:
        """One turn, streamed: cards as soon as the ranker has them, then text and reasons.

        Every update is a new history list, so nothing already sent is mutated under the page.
        """
        if not session_id:
            session_id = uuid.uuid4().hex
        past = [*history, {"role": "user", "content": html.escape(message or "")}]
        cards: list[Card] = []
        text = ""
        notices: list[str] = []
        view = self._view(session_id)
        try:
            for event in self.bot.stream(message, session_id=session_id):
                if isinstance(event, Notice):
                    notices.append(event.text)
                elif isinstance(event, Recommendations):
                    cards = [{**asdict(r), "feedback": ""} for r in event.items]
                    view = self._view(session_id)
                elif isinstance(event, TextDelta):
                    text += event.text
                elif isinstance(event, Reason):
                    cards = [
                        {**c, "reason": event.text} if c["item_id"] == event.item_id else c for c in cards
                    ]
                elif isinstance(event, Done):
                    break
                yield "", _replied(past, _with_notices(text, notices)), cards, session_id, *view
            reply = _with_notices(text, notices)
        except ChatrecError as exc:
            reply = html.escape(f"Sorry, I cannot answer right now: {exc}")
        except Exception:
            log.exception("a chat turn failed")
            reply = FAILED
        yield "", _replied(past, reply), cards, session_id, *self._view(session_id)

    def feedback(self, item_id: str, liked: bool, session_id: str, cards: list[Card]) -> tuple[Any, ...]:
        state = self.bot.feedback(session_id, item_id, liked=liked)
        return [_with_feedback(dict(c), state) for c in cards], preference_entries(state, self.catalog)

    def remove(self, kind: str, value: str, session_id: str) -> tuple[Any, ...]:
        self.bot.update_state(session_id, kind, value)
        return self._view(session_id)

    def apply_filters(
        self,
        year_from: float | None,
        year_to: float | None,
        genres: list[str],
        max_runtime: float | None,
        session_id: str,
    ) -> tuple[Any, ...]:
        try:
            self.bot.constrain(
                session_id,
                year_from=_int(year_from),
                year_to=_int(year_to),
                genres=list(genres or []),
                max_runtime=_int(max_runtime),
            )
        except ValidationError as exc:
            gr.Warning("Filters not applied: " + "; ".join(e["msg"] for e in exc.errors()))
        return self._view(session_id)

    def new_conversation(self, session_id: str) -> tuple[Any, ...]:
        if session_id:
            self.bot.reset(session_id)
        return [], [], *self._view(session_id)

    def api_chat(self, message: str, session_id: str = "api") -> dict:
        """One whole turn for API clients: the reply text, the recommendations, the state."""
        reply = self.bot.chat(message, session_id=session_id)
        return {
            "text": reply.text,
            "recommendations": [{**asdict(r), "label": r.label} for r in reply.recommendations],
            "notices": reply.notices,
            "state": reply.state.model_dump(),
        }

    def api_feedback(self, session_id: str, item_id: str, liked: bool) -> dict:
        """👍 / 👎 for API clients; returns the session's state."""
        return self.bot.feedback(session_id, item_id, liked=liked).model_dump()


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _replied(past: Messages, reply: str) -> Messages:
    return [*past, {"role": "assistant", "content": reply}]


def _with_notices(text: str, notices: list[str]) -> str:
    lines = [f"_{html.escape(n)}_" for n in notices]
    return "\n\n".join([*lines, html.escape(text)]) if lines else html.escape(text)


def build_app(bot: ChatRec, *, secret: str | None = None) -> gr.Blocks:
    """The page. ``secret`` keys the browser-side session id, so it survives server restarts."""
    app = ChatApp(bot)
    with gr.Blocks(title="chatrec") as page:
        session = gr.BrowserState("", storage_key=STORAGE_KEY, secret=secret)
        cards = gr.State([])
        prefs = gr.State([])
        gr.Markdown("## chatrec\nTell me what you feel like watching; 👍 and 👎 teach me your taste.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=420, elem_id="chat")
                with gr.Row():
                    message = gr.Textbox(
                        placeholder="e.g. something like Heat but shorter",
                        show_label=False,
                        scale=5,
                        elem_id="message",
                        max_lines=4,
                    )
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")

                @gr.render(inputs=[cards])
                def show_cards(items: list[Card]) -> None:
                    with gr.Row(elem_id="cards"):
                        for card in items:
                            with gr.Column(min_width=220, elem_classes="rec", variant="panel"):
                                gr.HTML(card_html(card), elem_classes="card-body")
                                with gr.Row():
                                    up = gr.Button("👍", size="sm", min_width=40, elem_classes="thumb-up")
                                    down = gr.Button("👎", size="sm", min_width=40, elem_classes="thumb-down")
                            for button, liked in ((up, True), (down, False)):
                                button.click(
                                    lambda sid, cs, _id=card["item_id"], _liked=liked: app.feedback(
                                        _id, _liked, sid, cs
                                    ),
                                    inputs=[session, cards],
                                    outputs=[cards, prefs],
                                    api_visibility="private",
                                )

                gr.Examples(EXAMPLES, inputs=[message], label="Try")
                new = gr.Button("New conversation", size="sm", elem_id="new-conversation")

            with gr.Column(scale=2):
                with gr.Accordion("Filters", open=True):
                    with gr.Row():
                        year_from = gr.Number(label="From year", precision=0, elem_id="year-from")
                        year_to = gr.Number(label="To year", precision=0, elem_id="year-to")
                    genres = gr.Dropdown(app.genres, multiselect=True, label="Genres (all required)")
                    max_runtime = gr.Number(label="Max runtime (min)", precision=0, elem_id="max-runtime")
                    apply = gr.Button("Apply filters", size="sm", elem_id="apply-filters")
                view = [prefs, year_from, year_to, genres, max_runtime]
                gr.Markdown("### Your tastes and constraints")

                @gr.render(inputs=[prefs])
                def show_prefs(entries: list[Entry]) -> None:
                    if not entries:
                        gr.Markdown("_Nothing yet: say what you like, or use the filters above._")
                    for group in ("Likes", "Dislikes", "Constraints"):
                        mine = [e for e in entries if e["group"] == group]
                        if not mine:
                            continue
                        gr.Markdown(f"**{group}**")
                        with gr.Row(elem_classes="pref-row"):
                            for entry in mine:
                                chip = gr.Button(
                                    f"✕ {entry['label']}",
                                    size="sm",
                                    scale=0,
                                    min_width=0,
                                    elem_classes="pref-chip",
                                )
                                chip.click(
                                    lambda sid, _k=entry["kind"], _v=entry["value"]: app.remove(_k, _v, sid),
                                    inputs=[session],
                                    outputs=view,
                                    api_visibility="private",
                                )

        page.load(
            app.load, inputs=[session], outputs=[session, chatbot, cards, *view], api_visibility="private"
        )
        turn = dict(
            fn=app.respond,
            inputs=[message, chatbot, session],
            outputs=[message, chatbot, cards, session, *view],
            api_visibility="private",
        )
        message.submit(**turn)
        send.click(**turn)
        apply.click(
            app.apply_filters,
            inputs=[year_from, year_to, genres, max_runtime, session],
            outputs=view,
            api_visibility="private",
        )
        new.click(
            app.new_conversation, inputs=[session], outputs=[chatbot, cards, *view], api_visibility="private"
        )
        gr.api(app.api_chat, api_name="chat")
        gr.api(app.api_feedback, api_name="feedback")
    return page


def browser_secret(data_dir: Path) -> str:
    """A per-installation key for the browser-side session id, created once."""
    path = data_dir / ".browser-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(uuid.uuid4().hex)
        path.chmod(0o600)
    return path.read_text().strip()


def serve(settings: Settings, *, share: bool = False) -> None:
    """Start the app; an empty store is first filled with the default catalog."""
    from chatrec.store import Store
    from ingest.cli import run as run_ingest

    if Store(settings).count() == 0:
        print("the store is empty: ingesting the default catalog first", flush=True)
        run_ingest(argparse.Namespace(source=None, mapping=None, prune=False), settings)
    print("loading the models (embedder, reranker, chat LLM)", flush=True)
    bot = ChatRec.from_settings(settings)
    print("building the page", flush=True)
    page = build_app(bot, secret=browser_secret(settings.data_dir))
    auth = settings.app_auth.get_secret_value().split(":", 1) if settings.app_auth else None
    if auth is not None and len(auth) != 2:
        raise ConfigError("CHATREC_APP_AUTH must be 'user:password'")
    page.queue().launch(
        server_name=settings.app_host,
        server_port=settings.app_port,
        share=share,
        auth=tuple(auth) if auth else None,
        ssr_mode=False,
        css=CSS,
        show_error=False,
    )


def main(argv: list[str] | None = None) -> int:
    """``python app.py``: the browser app on the embedded defaults, options override settings."""
    from chatrec.cli import guarded

    parser = argparse.ArgumentParser(prog="python app.py", description="The chatrec browser app.")
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1, CHATREC_APP_HOST)")
    parser.add_argument("--port", type=int, help="port (default 7860, CHATREC_APP_PORT)")
    parser.add_argument("--share", action="store_true", help="a public Gradio share link (off by default)")
    parser.add_argument("--llm", choices=["local", "openai"], help="LLM backend (CHATREC_LLM)")
    parser.add_argument("--llm-model", help="a .gguf path, or the server's model name (CHATREC_LLM_MODEL)")
    args = parser.parse_args(argv)
    overrides = {"app_host": args.host, "app_port": args.port, "llm": args.llm, "llm_model": args.llm_model}

    def run() -> int:
        serve(Settings(**{k: v for k, v in overrides.items() if v is not None}), share=args.share)
        return 0

    return guarded(run)
