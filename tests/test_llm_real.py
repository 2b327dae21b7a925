"""A few end-to-end turns on the real embedded LLM (the packaged Qwen2.5-Coder-0.5B GGUF)."""

from __future__ import annotations

import pytest

from chatrec.config import Settings
from chatrec.events import Recommendations, TextDelta
from chatrec.llm.backends import LlamaCppChat, build_chat_model
from chatrec.llm.gguf import MODELS, assemble
from tests.helpers import make_bot

# Subprocesses, servers, whole-catalog ingests or model exports: the slow lane.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def qwen() -> LlamaCppChat:
    model = build_chat_model(Settings())
    assert isinstance(model, LlamaCppChat)
    return model


def test_packaged_model_is_assembled_and_verified_once(tmp_path):
    path = assemble(MODELS["qwen2.5-coder-0.5b"], tmp_path)
    assert path.stat().st_size == MODELS["qwen2.5-coder-0.5b"].size
    stamp = path.stat().st_mtime_ns
    assert assemble(MODELS["qwen2.5-coder-0.5b"], tmp_path) == path
    assert path.stat().st_mtime_ns == stamp  # not rebuilt


def test_turns_on_the_embedded_llm(qwen, retriever, tmp_path):
    bot = make_bot(retriever, tmp_path, qwen, llm_timeout=120)
    real = bot.new_session()
    events = list(bot.stream("I loved Heat. Something similar, but under two hours", real))
    kinds = [type(e) for e in events]
    assert kinds.index(Recommendations) < kinds.index(TextDelta)
    reply = events[-1].reply
    assert len(reply.recommendations) == 3 and not reply.notices, reply.notices
    assert all(r.runtime and r.runtime <= 119 for r in reply.recommendations)
    heat = retriever.titles.link_name("Heat (1995)")
    second = bot.chat("anything from the 80s? no horror", real)
    assert second.recommendations and not second.notices
    for rec in second.recommendations:
        assert rec.item_id != heat and 1980 <= rec.year <= 1989 and "Horror" not in rec.genres
        assert rec.runtime <= 119, "the earlier constraint still holds"
