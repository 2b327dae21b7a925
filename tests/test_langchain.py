"""chatrec's LangChain faces (issue 18, part 5) in small LCEL chains: the catalog search as a
retriever, the agent as a runnable with the session as config. Real Chroma (the small catalog),
the real agent; only the LLM is scripted."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from chatrec.catalog.filters import Filters
from chatrec.errors import ConfigError, UnknownSession
from chatrec.langchain import CatalogRetriever, ChatRecRunnable
from tests.helpers import ROOT, ScriptedLLM, free_port, make_settings, plain_bot, violations


def format_docs(docs: list[Document]) -> str:
    return "\n".join(f"{d.metadata['label']}: {d.page_content}" for d in docs)


# -- the retriever -----------------------------------------------------------------------------------
def test_retriever_documents_carry_the_item_and_its_score(small_retriever):
    retriever = CatalogRetriever(retriever=small_retriever, k=5)
    docs = retriever.invoke("a heist thriller directed by Michael Mann")
    assert len(docs) == 5
    assert "Heat (1995)" in [d.metadata["label"] for d in docs]
    for doc in docs:
        item = small_retriever.store.get([doc.id])[0]
        assert doc.page_content == item.text and doc.metadata["id"] == item.id
        assert {"title", "year", "genres", "directors", "score"} <= set(doc.metadata)
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)


def test_retriever_filters_as_fields_and_per_call(small_retriever):
    comedies = CatalogRetriever(retriever=small_retriever, k=8, filters=Filters(genres=["comedy"]))
    for doc in comedies.invoke("something fun for the weekend"):
        assert "Comedy" in doc.metadata["genres"]
    per_call = {"year_from": 2000, "not_genres": ["horror"], "max_runtime": 120}
    docs = comedies.invoke("a space adventure", filters=per_call, k=6)
    assert len(docs) == 6, "the call's own filters replace the field's, and its own k"
    assert not all("Comedy" in d.metadata["genres"] for d in docs)
    for doc in docs:
        assert not violations(doc.metadata, Filters(year_from=2000, not_genres=["Horror"], max_runtime=120))
    with pytest.raises(ConfigError, match="unknown genres 'space opera'"):
        comedies.invoke("a space adventure", filters=Filters(genres=["space opera"]))


def test_retriever_in_an_lcel_chain(small_retriever):
    """The retriever as the context of a RAG prompt, as LangChain's tutorials compose it."""
    retriever = CatalogRetriever(retriever=small_retriever, k=3, filters=Filters(year_from=1990))
    assert (retriever | format_docs).invoke("a shark attacks a beach town").count("\n") == 2

    llm = ScriptedLLM(script=["Try the first one."])
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Recommend only from:\n{context}"), ("human", "{question}")]
    )
    context = {"context": retriever | format_docs, "question": RunnablePassthrough()}
    chain = context | prompt | llm | StrOutputParser()
    questions = ["a mind-bending thriller about dreams", "an animated film about toys"]
    answers = chain.batch(questions)
    assert answers == ["Try the first one."] * 2
    contexts = [str(call[0].content) for call in llm.calls]
    for question, context in zip(questions, contexts, strict=True):
        assert context == "Recommend only from:\n" + format_docs(retriever.invoke(question))
    assert "Jaws (1975)" not in (retriever | format_docs).invoke("a shark attacks a beach town")


# -- the agent ---------------------------------------------------------------------------------------
@pytest.fixture
def agent(small_retriever, tmp_path) -> ChatRecRunnable:
    return ChatRecRunnable(plain_bot(small_retriever, make_settings(tmp_path)))


def test_invoke_without_a_session_starts_one_and_returns_a_plain_dict(agent):
    out = agent.invoke("a heist film from the 90s")
    assert set(out) == {"session", "text", "notices", "recommendations", "intent", "state"}
    assert len(out["recommendations"]) == 3 and all(1990 <= r["year"] <= 1999 for r in out["recommendations"])
    assert out["state"]["constraints"]["year_from"] == 1990
    stored = agent.bot.history(out["session"])
    assert [m.role for m in stored] == ["user", "assistant"] and stored[1].text == out["text"]
    assert [r["reason"] for r in out["recommendations"]] == [r["reason"] for r in stored[1].recommendations]


def test_a_conversation_through_a_chain_with_the_session_as_config(agent):
    heat = next(i for i in agent.bot.catalog if agent.bot.catalog.label(i) == "Heat (1995)")
    chain = RunnableLambda(lambda wish: f"I loved {wish['film']}, something similar please") | agent
    token = agent.bot.new_session()
    config = {"configurable": {"session": token}}
    first = chain.invoke({"film": "Heat"}, config=config)
    assert first["session"] == token and heat in first["state"]["liked_ids"]
    assert heat not in [r["item_id"] for r in first["recommendations"]]

    second = agent.with_config(configurable={"session": token}).invoke({"message": "but from the 80s"})
    assert all(1980 <= r["year"] <= 1989 for r in second["recommendations"])
    assert heat in second["state"]["liked_ids"], "the session remembers the first turn"
    assert len(agent.bot.history(token)) == 4
    assert {spec.id for spec in agent.config_specs} == {"session", "user"}


def test_stream_yields_pieces_that_add_up_to_the_reply(agent):
    token = agent.bot.new_session()
    chunks = list(agent.stream("a funny animated film for kids", {"configurable": {"session": token}}))
    assert chunks[0] == {"session": token, "text": "", "notices": []}
    assert sum(1 for c in chunks if c.get("text")) > 3, "the text comes in pieces as it is written"
    assert "recommendations" in chunks[-1] and all("recommendations" not in c for c in chunks[:-1])
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    assert whole["text"] == agent.bot.history(token)[-1].text
    titles = (agent | RunnableLambda(lambda out: [r["title"] for r in out["recommendations"]])).invoke(
        "show me more", {"configurable": {"session": token}}
    )
    assert len(titles) == 3 and not set(titles) & {r["title"] for r in whole["recommendations"]}


def test_batch_one_session_each_or_the_ones_given(agent):
    outs = agent.batch(["a western", "a romantic comedy"])
    assert len({o["session"] for o in outs}) == 2
    tokens = [o["session"] for o in outs]
    again = agent.batch(["show me more", "show me more"], [{"configurable": {"session": t}} for t in tokens])
    assert [o["session"] for o in again] == tokens
    assert [len(agent.bot.history(t)) for t in tokens] == [4, 4]
    with pytest.raises(UnknownSession):
        agent.invoke("hello", {"configurable": {"session": "not-a-token"}})


@pytest.mark.slow
def test_readme_langchain_example_runs(small_retriever, tmp_path):
    """The README's example as written, on the small catalog, with an LLM server that is not there
    (catalog reasons at once: the example is about the LangChain faces, not the model)."""
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"### From a LangChain app\n.*?```python\n(.*?)```", readme, re.S).group(1)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout's chatrec, whatever the venv's editable install points at
        "CHATREC_DATA_DIR": str(small_retriever.store.settings.data_dir),
        "CHATREC_SESSIONS_PATH": str(tmp_path / "sessions.db"),
        "CHATREC_LLM": "openai",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "OPENAI_API_KEY": "none",
    }
    done = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    years = [int(re.search(r"\((\d{4})\) [-\d.]+ ", line).group(1)) for line in lines[:3]]
    assert all(year >= 1990 for year in years), lines[:3]
    assert "**" in done.stdout, "the streamed reply names its films"
    assert all(re.fullmatch(r"\S{8} \['.+'\]", line) for line in lines[-2:]), lines[-2:]
