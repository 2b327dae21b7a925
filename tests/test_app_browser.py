"""The app as people meet it: `python app.py` in its own process, driven by Debian's Chromium.

A small catalog (crime films around Heat, plus two rows whose text is hostile markup) is ingested
through the CLI, the app runs on the real embedded LLM, and Playwright chats, clicks 👎, reloads,
filters and checks that nothing from the catalog runs as code. ``CHATREC_SCREENSHOT=PATH`` also
saves the screenshot there (that is how the README's picture is made).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api

from tests.helpers import ROOT, free_port, movie_mapping_file, run_module, serving, write_jsonl

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
EVIL_TITLES = ["<script>window.__xss=1</script>Night Heist", '<img src=x onerror="window.__xss=1">Getaway']
TURN_SECONDS = 120_000  # ms; a turn on the embedded 0.5B model takes a few seconds on 2 cores


def small_catalog(movie_rows: list[dict]) -> list[dict]:
    crime = [r for r in movie_rows if "Crime" in str(r["genres"]) and 1985 <= int(r["year"] or 0) <= 2005]
    heat = next(r for r in movie_rows if r["title"] == "Heat" and int(r["year"]) == 1995)
    rows = [heat, *[r for r in crime if r is not heat][:300]]
    # Nothing like Heat (no shared credits, other genres), so no Heat turn shows them before the
    # 2031 filter does: a film once shown is not shown again.
    unlike = {"genres": "Documentary", "writer": None, "cast": None, "imdb_id": None}
    evil = [
        {**heat, **unlike, "id": f"evil-{i}", "title": title, "year": 2031, "runtime": 100, "director": title}
        for i, title in enumerate(EVIL_TITLES)
    ]
    return rows + evil


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, movie_rows) -> Iterator[str]:
    data = tmp_path_factory.mktemp("app")
    source = write_jsonl(data / "films.jsonl", small_catalog(movie_rows))
    env = {"CHATREC_DATA_DIR": str(data / "store"), "CHATREC_COLLECTION": "films"}
    mapping = movie_mapping_file(data / "mapping.json")
    done = run_module("chatrec", "ingest", str(source), "--mapping", str(mapping), env=env)
    assert done.returncode == 0, done.stderr
    port = free_port()
    args = [sys.executable, "app.py", "--port", str(port)]
    env = {**os.environ, **env}
    with (data / "app.log").open("w") as log:
        try:
            with serving(args, port, seconds=180, cwd=ROOT, env=env, stdout=log, stderr=log):
                yield f"http://127.0.0.1:{port}"
        finally:
            print((data / "app.log").read_text()[-3000:])


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def send(page, message: str) -> None:
    """Type a message, send it, and wait until the whole turn has streamed in."""
    bots = page.locator("#chat [data-testid='bot']").count()
    page.fill("#message textarea", message)
    page.click("#send")
    page.wait_for_function(
        """(bots) => document.querySelectorAll("#chat [data-testid='bot']").length > bots
            && !document.querySelector('.pending, .generating')""",
        arg=bots,
        timeout=TURN_SECONDS,
    )


def titles(page) -> list[str]:
    """The cards on show, once each has its reason."""
    page.wait_for_function(
        """() => document.querySelectorAll('.rec-card').length > 0
            && [...document.querySelectorAll('.rec-reason')].every(r => r.textContent.trim())"""
    )
    return page.locator(".rec-title").all_inner_texts()


def test_chat_dislike_reload_and_inert_markup(app_url, browser, tmp_path):
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url, wait_until="load")
    page.wait_for_selector("#message textarea")

    send(page, "I loved Heat. Something similar, but under two hours")
    first = titles(page)
    assert first and "Heat" not in first
    assert all(r.strip() for r in page.locator(".rec-reason").all_inner_texts())
    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("CHATREC_SCREENSHOT"):
        shutil.copy(shot, os.environ["CHATREC_SCREENSHOT"])

    assert not set(first) & set(EVIL_TITLES)
    page.locator(".thumb-down").first.click()
    page.wait_for_selector(".rec-feedback:has-text('will not come back')")
    page.wait_for_selector(f".pref-chip:has-text({first[0]!r})")
    for message in ["show me more", "more like Heat please"]:
        send(page, message)
        assert first[0] not in titles(page)

    before = page.locator("#chat [data-testid='bot']").all_inner_texts()
    shown = titles(page)
    page.reload(wait_until="load")
    page.wait_for_selector(".rec-card")
    assert page.locator("#chat [data-testid='bot']").all_inner_texts() == before
    assert titles(page) == shown
    page.wait_for_selector(f".pref-chip:has-text({first[0]!r})")
    send(page, "how long is the second one?")  # a question about a card keeps the cards
    assert titles(page) == shown

    page.fill("#year-from input", "2031")
    page.fill("#year-to input", "2031")
    page.click("#apply-filters")
    page.wait_for_selector(".pref-chip:has-text('from 2031')")
    send(page, "anything exciting")
    assert set(titles(page)) == set(EVIL_TITLES), "the hostile rows show, as literal text"
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator(".rec-card img, .rec-card script").count() == 0
    assert not dialogs


def test_gradio_client_calls_the_chat_api(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    token = client.predict(api_name="/new_session")
    reply = client.predict(message="a crime film with a heist", session_id=token, api_name="/chat")
    assert len(reply["recommendations"]) >= 1 and reply["text"]
    first = reply["recommendations"][0]["item_id"]
    state = client.predict(session_id=token, item_id=first, liked=False, api_name="/feedback")
    assert first in state["disliked_ids"]
    again = client.predict(message="show me more", session_id=token, api_name="/chat")
    assert first not in [r["item_id"] for r in again["recommendations"]]


def test_readme_gradio_client_example_runs(app_url):
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"## Browser app\n.*?```python\n(.*?)```", readme, re.S).group(1)
    assert "http://127.0.0.1:7860/" in example
    done = subprocess.run(
        [sys.executable, "-c", example.replace("http://127.0.0.1:7860/", app_url + "/")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count(" - ") >= 1
