"""The page: Gradio components wired to :class:`~chatrec.app.web.handlers.ChatApp`."""

from __future__ import annotations

import gradio as gr

from chatrec.agent import ChatRec
from chatrec.app.web.handlers import ChatApp
from chatrec.app.web.render import Card, Entry, card_html

STORAGE_KEY = "chatrec-session"
# Gradio runs the two re-renders (cards, preference chips) of one update in parallel threads, and
# its render bookkeeping is not thread-safe ("dictionary changed size during iteration": the cards
# were missing after a reload under load). They take milliseconds: one at a time.
ONE_RENDER_AT_A_TIME = {"concurrency_id": "render", "concurrency_limit": 1}
# Gradio encrypts browser state in the browser, so the key it uses is sent to every page in
# GET /config: it cannot be a secret, and is none. What protects a session is the server-issued
# token stored under it, which the server checks on every call. A fixed key (not a random one per
# start) lets a browser read its token again after a server restart.
BROWSER_STATE_KEY = "chatrec-browser-state"


def build_app(bot: ChatRec) -> gr.Blocks:
    """The page. The browser keeps its session token in local storage, so a reload or a restart
    of the server finds the conversation again."""
    app = ChatApp(bot)
    words = bot.wording  # the catalog's own words: "book" and "by" for a books catalog
    with gr.Blocks(title="chatrec") as page:
        session = gr.BrowserState("", storage_key=STORAGE_KEY, secret=BROWSER_STATE_KEY)
        cards = gr.State([])
        prefs = gr.State([])
        gr.Markdown(f"## chatrec\n{words.banner}")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=420, elem_id="chat")
                with gr.Row():
                    message = gr.Textbox(
                        placeholder=words.placeholder,
                        show_label=False,
                        scale=5,
                        elem_id="message",
                        max_lines=4,
                    )
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")

                @gr.render(inputs=[cards], **ONE_RENDER_AT_A_TIME)
                def show_cards(items: list[Card]) -> None:
                    with gr.Row(elem_id="cards"):
                        for card in items:
                            with gr.Column(min_width=220, elem_classes="rec", variant="panel"):
                                gr.HTML(card_html(card, words), elem_classes="card-body")
                                with gr.Row():
                                    up = gr.Button("👍", size="sm", min_width=40, elem_classes="thumb-up")
                                    down = gr.Button("👎", size="sm", min_width=40, elem_classes="thumb-down")
                            for button, liked in ((up, True), (down, False)):

                                def thumb(
                                    sid: str,
                                    cs: list[Card],
                                    request: gr.Request,
                                    _id: str = card["item_id"],
                                    _liked: bool = liked,
                                ) -> tuple:
                                    return app.feedback(_id, _liked, sid, cs, request)

                                button.click(
                                    thumb,
                                    inputs=[session, cards],
                                    outputs=[cards, prefs],
                                    api_visibility="private",
                                )

                gr.Examples(list(words.examples), inputs=[message], label="Try")
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

                @gr.render(inputs=[prefs], **ONE_RENDER_AT_A_TIME)
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

                                def remove(
                                    sid: str,
                                    request: gr.Request,
                                    _k: str = entry["kind"],
                                    _v: str = entry["value"],
                                ) -> tuple:
                                    return app.remove(_k, _v, sid, request)

                                chip.click(
                                    remove,
                                    inputs=[session],
                                    outputs=view,
                                    api_visibility="private",
                                )

        page.load(
            app.load, inputs=[session], outputs=[session, chatbot, cards, *view], api_visibility="private"
        )
        for trigger in (message.submit, send.click):
            trigger(
                app.respond,
                inputs=[message, chatbot, session],
                outputs=[message, chatbot, cards, session, *view],
                api_visibility="private",
            )
        apply.click(
            app.apply_filters,
            inputs=[year_from, year_to, genres, max_runtime, session],
            outputs=view,
            api_visibility="private",
        )
        new.click(
            app.new_conversation,
            inputs=[session],
            outputs=[session, chatbot, cards, *view],
            api_visibility="private",
        )
        gr.api(app.api_new_session, api_name="new_session")
        gr.api(app.api_turn, api_name="chat")
        gr.api(app.api_feedback, api_name="feedback")
    # Gradio runs each event one call at a time unless told otherwise: one slow turn held up
    # everyone. Turns of different sessions run at once; the agent keeps one session's in order.
    return page.queue(default_concurrency_limit=bot.settings.app_concurrency)
