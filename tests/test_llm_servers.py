"""The OpenAI-compatible path against real HTTP servers on 127.0.0.1.

The well-behaved peer is llama-cpp-python's own OpenAI-compatible server (software we did not
write) serving a tiny packaged model; a small server of ours only injects faults: HTTP 500, a
reply that never comes in time, malformed JSON and a broken stream.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from chatrec.config import Settings
from chatrec.events import Notice, Recommendations
from chatrec.llm.backends import build_chat_model
from tests.helpers import free_port, llama_serving, make_bot


@pytest.fixture(scope="module")
def llama_server():
    with llama_serving() as url:
        yield url


def openai_settings(monkeypatch, base_url: str, tmp_path: Path, timeout: float = 60) -> Settings:
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-secret")
    return Settings(llm="openai", llm_model="smollm2", llm_timeout=timeout, data_dir=tmp_path)


def test_plain_and_streaming_against_llama_cpp_server(llama_server, monkeypatch, tmp_path):
    model = build_chat_model(openai_settings(monkeypatch, llama_server, tmp_path))
    answer = model.invoke("Name one colour.")
    assert isinstance(answer.content, str) and answer.content.strip()
    chunks = [c.content for c in model.stream("Count from one to five.")]
    assert len(chunks) > 2 and "".join(chunks).strip()


def test_agent_turn_through_llama_cpp_server(llama_server, monkeypatch, tmp_path, retriever):
    model = build_chat_model(openai_settings(monkeypatch, llama_server, tmp_path))
    bot = make_bot(retriever, tmp_path, model)
    events = list(bot.stream("a heist thriller from the 90s"))
    reply = events[-1].reply
    assert len(reply.recommendations) == 3
    assert all(r.item_id in retriever.catalog and 1990 <= r.year <= 1999 for r in reply.recommendations)
    assert not any(isinstance(e, Notice) for e in events), "the server answered; no fallback notice"


# -- fault injection -------------------------------------------------------------------------
faults = FastAPI()
DRIP = 1.5


@faults.post("/{mode}/v1/chat/completions")
async def completions(mode: str, request: Request):
    body = await request.json()
    if mode == "error":
        return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
    if mode == "slow":
        await asyncio.sleep(30)
    if mode == "drip" and body.get("stream"):

        async def dripping():  # one token every DRIP seconds: each arrives, none in time
            for word in ["A", " tense", " crime", " film", "."]:
                await asyncio.sleep(DRIP)
                chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
                yield f"data: {json.dumps(chunk)}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(dripping(), media_type="text/event-stream")
    if mode == "garbage":
        return PlainTextResponse("{this is not json", media_type="application/json")
    if mode == "badstream" and body.get("stream"):

        async def broken():
            yield b'data: {"choices": [{"delta": {"content": "Hel'
            yield b"\n\ndata: nonsense\n\n"

        return StreamingResponse(broken(), media_type="text/event-stream")
    return JSONResponse({"choices": [{"message": {"role": "assistant", "content": None}}]})


@pytest.fixture(scope="module")
def fault_server():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(faults, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("mode", ["error", "slow", "garbage", "badstream"])
def test_faults_fall_back_to_catalog_reasons(fault_server, mode, monkeypatch, tmp_path, retriever):
    settings = openai_settings(monkeypatch, f"{fault_server}/{mode}/v1", tmp_path, timeout=3)
    bot = make_bot(retriever, tmp_path, build_chat_model(settings), llm_timeout=3)
    start = time.monotonic()
    reply = bot.chat("a courtroom drama")
    assert time.monotonic() - start < 20
    assert len(reply.recommendations) == 3 and all(r.reason for r in reply.recommendations)
    assert reply.notices, "the user is told the reasons come from the catalog"
    assert "sk-test" not in reply.text


def test_failure9_deadline_holds_against_a_dripping_server(
    fault_server, monkeypatch, tmp_path, small_retriever
):
    """Issue 16: one token every 1.5 s under a 2 s timeout. Each token comes before the HTTP
    client's read timeout, so only a wall-clock deadline ends the turn in time."""
    settings = openai_settings(monkeypatch, f"{fault_server}/drip/v1", tmp_path, timeout=2)
    bot = make_bot(small_retriever, tmp_path, build_chat_model(settings), llm_timeout=2)
    events = []
    for event in bot.stream("a courtroom drama"):
        events.append((time.monotonic(), event))
    cards = next(t for t, e in events if isinstance(e, Recommendations))
    assert events[-1][0] - cards < 2 + 0.5, "the turn ends at the deadline, not at the next token"
    reply = events[-1][1].reply
    assert len(reply.recommendations) == 3 and reply.notices
