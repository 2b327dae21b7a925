"""Issue 16, failure 2: turns of different sessions run at once, one session's turns stay in
order, and a turn that finds the LLM busy with someone else shows catalog reasons at once.

The LLM is a scripted one whose every call blocks until the test releases it, so "session A is
inside the LLM" is a fact the test controls, not a race it hopes for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from langchain_core.messages import BaseMessage

from chatrec.app.web import ChatApp, build_app
from chatrec.writing.prompts import reply
from chatrec.writing.respond import Check, Responder
from tests.helpers import ScriptedLLM, free_port, make_bot, reason_from_facts, shipped_reranker

WAIT = 0.3  # CHATREC_LLM_WAIT in these tests
SLACK = 3.0  # ranking on the small catalog, on a busy 2-core machine
FALLBACK = reply("llm_fallback")
A_TEXT = "I loved Heat. Something similar, but under two hours"
B_TEXT = "a funny animated film for the whole family"


@pytest.fixture
def retriever(small_retriever):
    return small_retriever


class Gate:
    """An LLM reply that waits until the test opens the gate; ``entered`` says a call is inside."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, messages: list[BaseMessage]) -> str:
        self.entered.set()
        self.opened.wait(30)
        return reason_from_facts(messages)


def in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, dict]:
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(value=fn()), daemon=True)
    thread.start()
    return thread, out


@pytest.fixture
def gated(retriever, tmp_path):
    gate = Gate()
    llm = ScriptedLLM(script=[gate])
    bot = make_bot(retriever, tmp_path, llm, llm_timeout=15, llm_wait=WAIT)
    yield bot, gate, llm
    gate.opened.set()


def test_a_busy_llm_is_given_up_after_the_wait(retriever):
    from chatrec.understanding.understand import Understander

    check = Check(Understander(retriever.titles, retriever.vocabulary, retriever.catalog))
    responder = Responder(ScriptedLLM(script=["x"]), check, timeout=5, wait=WAIT)
    with responder.turn() as first:
        start = time.monotonic()
        thread, out = in_thread(lambda: responder.turn().__enter__())
        thread.join(5)
        assert first and out["value"] is False
        assert WAIT * 0.9 <= time.monotonic() - start < WAIT + 1
    with responder.turn() as again:
        assert again, "the slot is free once the first turn is done"


def test_failure2_turns_overlap_and_a_busy_llm_falls_back_to_catalog_reasons(gated):
    bot, gate, llm = gated
    a, b = bot.new_session(), bot.new_session()
    turn_a, reply_a = in_thread(lambda: bot.chat(A_TEXT, a))
    assert gate.entered.wait(20), "session A's turn reached the LLM"
    # A's next message waits for A's first turn: one session's turns stay in order.
    turn_a2, _ = in_thread(lambda: bot.chat("show me more", a))

    start = time.monotonic()
    reply_b = bot.chat(B_TEXT, b)
    took = time.monotonic() - start

    assert took < WAIT + SLACK, f"B waited {took:.1f} s"
    assert turn_a.is_alive() and turn_a2.is_alive(), "B's turn completed while A's was inside the LLM"
    assert len(reply_b.recommendations) == 3 and all(r.reason for r in reply_b.recommendations)
    assert FALLBACK in reply_b.notices
    assert len(llm.calls) == 1, "B never queued for the LLM"

    gate.opened.set()
    turn_a.join(20)
    turn_a2.join(20)
    first = reply_a["value"]
    assert FALLBACK not in first.notices and len(first.recommendations) == 3
    roles = [(m.role, m.text) for m in bot.history(a) if m.role == "user"]
    assert roles == [("user", A_TEXT), ("user", "show me more")]
    assert [m.text for m in bot.history(b) if m.role == "user"] == [B_TEXT]


def test_failure2_page_turns_overlap_through_the_web_handlers(gated):
    bot, gate, _ = gated
    app = ChatApp(bot)
    a, b = app.load(None)[0], app.load(None)[0]
    turn_a, _ = in_thread(lambda: list(app.respond(A_TEXT, [], a)))
    assert gate.entered.wait(20)

    start = time.monotonic()
    shown = None
    for update in app.respond(B_TEXT, [], b):
        if update[2] and shown is None:
            shown = time.monotonic() - start
    took = time.monotonic() - start
    _, history, cards, *_ = update

    assert shown is not None and shown < SLACK and took < WAIT + SLACK, f"B waited {took:.1f} s"
    assert turn_a.is_alive(), "B's page turn completed while A's was inside the LLM"
    assert len(cards) == 3 and all(c["reason"] for c in cards)
    assert FALLBACK in history[-1]["content"]


def test_failure2_api_turns_of_two_sessions_run_at_once_over_http(gated):
    """Through Gradio's queue, as `python app.py` serves: /chat of B is not queued behind A's."""
    from gradio_client import Client

    bot, gate, _ = gated
    page = build_app(bot)
    port = free_port()
    page.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        a, b = client.predict(api_name="/new_session"), client.predict(api_name="/new_session")
        job_a = client.submit(message=A_TEXT, session_id=a, api_name="/chat")
        assert gate.entered.wait(20)
        job_b = client.submit(message=B_TEXT, session_id=b, api_name="/chat")
        whole = job_b.result(timeout=WAIT + 2 * SLACK)
        streamed = job_b.outputs()
        assert not job_a.done(), "B's turn completed while A's was inside the LLM"
        assert streamed[0]["done"] is False and len(streamed[0]["recommendations"]) == 3
        assert whole["done"] and FALLBACK in whole["notices"] and whole["session_id"] == b
        gate.opened.set()
        assert job_a.result(timeout=30)["session_id"] == a
    finally:
        gate.opened.set()
        page.close()


def test_failure2_concurrent_turns_tokenise_for_the_reranker_without_mixing_settings():
    """Found by the load benchmark: a fast tokenizer's padding is state, and one turn's unpadded
    call left another's batch ragged ("setting an array element with a sequence")."""
    reranker = shipped_reranker(64)
    texts = ["Heat", "The Insider, directed by Michael Mann", "a long item text " * 20, "Ronin"]
    errors: list[str] = []

    def work(n: int) -> None:
        for j in range(600):
            try:
                if n % 2:
                    reranker.tail("a heist film from the 90s like Heat " * (1 + j % 5))
                else:
                    assert reranker.pairs(["a heist film"] * 4, texts)["input_ids"].shape[0] == 4
            except Exception as exc:
                errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:2]


@pytest.mark.parametrize("embedded", [True, False])
def test_an_embedded_llm_gives_way_to_other_turns(retriever, embedded):
    """On 2 cores the embedded model's sentences would slow everyone's films: while other turns
    are in progress it is not started, and a generation under way stops at its next token. A
    model on a server (``yields`` False) keeps writing."""
    from chatrec.understanding.understand import Understander
    from chatrec.writing.respond import LLMUnavailable

    check = Check(Understander(retriever.titles, retriever.vocabulary, retriever.catalog))
    responder = Responder(ScriptedLLM(script=["it is a film."]), check, timeout=5, yields=embedded)
    deadline = time.monotonic() + 5
    with responder.serving():
        assert "".join(responder._stream("system", "user", deadline)), "alone: the LLM writes"
        with responder.serving():  # another turn begins
            assert responder.crowded is embedded
            with responder.turn() as free:
                assert free is not embedded
            if embedded:
                with pytest.raises(LLMUnavailable, match="giving way"):
                    list(responder._stream("system", "user", deadline))
        assert not responder.crowded
