"""Load benchmark (issue 16, failure 2): 1 vs N concurrent users x T turns against a running app.

Usage: python -m benchmarks.load [--users 20] [--turns 10] [--think 0 5] [--data-dir DIR]
(needs an ingested store: `make run`, or --data-dir pointing at a copy of one).

Starts ``python app.py`` on a free port (the catalog store from ``--data-dir`` or the default data
dir; sessions in a temporary file) and talks to it through ``gradio_client`` as API users do:
each user gets a token from ``/new_session`` and sends its conversation, one message at a time,
to ``/chat``, right away (think 0: a closed loop, the stress case) or after a pause drawn
uniformly from 0 to twice ``--think`` seconds (people reading the cards and typing). Phases: one
user alone, then ``--users`` at once for each think time. All figures are taken at the client, on
the same 2 cores as the server:

- recommendations shown: submit until ``/chat``'s first streamed output that holds the cards
  (the app streams them as soon as they are ranked, with catalog reasons), polled every 10 ms;
  turns without cards (greetings, questions about a film, thanks) are not counted here;
- whole turn: submit until the final output;
- errors: any exception or a turn that did not finish within 180 s;
- cross-talk: a reply carrying another session's token, a session whose stored history is not
  exactly its own messages in order (read from the sessions file after the run), or whose final
  state's shown films are not exactly the films its own replies recommended.

Before the load, the start-up check: the first turn the app serves and a second one (each in a
new session, same message) against the model load and warm-up time the app printed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import chatrec  # noqa: F401  (offline switches first)
from chatrec.sessions import SessionStore

ROOT = Path(__file__).resolve().parents[1]
TURN_SECONDS = 180
FALLBACK = "The language model was unavailable"
CONVERSATIONS = [
    [
        "hi there",
        "I loved Heat. Something similar, but under two hours",
        "show me more",
        "why did you suggest the second one?",
        "something from the 80s instead",
        "no horror please",
        "I've seen it",
        "a funny one this time",
        "how long is the first one?",
        "thanks!",
    ],
    [
        "a funny animated film for the whole family",
        "something like Toy Story",
        "older, from the 90s",
        "show me more",
        "not that one",
        "I loved Shrek",
        "anything shorter than 90 minutes?",
        "more like that",
        "how long is it?",
        "great, thanks",
    ],
    [
        "No horror please, something from the 80s",
        "a science fiction film about space",
        "I liked Alien but I want something less scary",
        "by Ridley Scott",
        "show me more",
        "something newer",
        "under two hours",
        "why the second one?",
        "another one",
        "thank you",
    ],
    [
        "romantic comedy set in New York, before 2000",
        "I loved When Harry Met Sally",
        "something with Meg Ryan",
        "not too long",
        "show me more",
        "a French film instead",
        "from the 60s",
        "something funnier",
        "more",
        "thanks",
    ],
    [
        "something like The Godfather",
        "a mafia family saga",
        "I don't like Al Pacino",
        "from the 90s",
        "show me more",
        "a war drama based on a true story",
        "in French",
        "nothing too long",
        "more please",
        "cool thanks",
    ],
]


@dataclass
class Turn:
    shown: float | None  # seconds to the cards, None when the turn showed none
    whole: float
    llm: bool  # the reasons came from the LLM (no fallback notice)


@dataclass
class User:
    messages: list[str]
    token: str = ""
    turns: list[Turn] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crosstalk: list[str] = field(default_factory=list)
    recommended: set[str] = field(default_factory=set)
    shown_ids: set[str] = field(default_factory=set)


def one_turn(client, user: User, message: str) -> Turn:
    start = time.perf_counter()
    job = client.submit(message=message, session_id=user.token, api_name="/chat")
    shown = None
    while not job.done():
        if shown is None and any(o.get("recommendations") for o in job.outputs()):
            shown = time.perf_counter() - start
        time.sleep(0.01)
        if time.perf_counter() - start > TURN_SECONDS:
            raise TimeoutError(f"no reply in {TURN_SECONDS} s")
    reply = job.result()
    whole = time.perf_counter() - start
    if reply["recommendations"] and shown is None:
        shown = whole  # streamed and finished within one poll
    if reply["session_id"] != user.token:
        user.crosstalk.append(f"reply for {reply['session_id'][:6]}… in {user.token[:6]}…")
    user.recommended |= {r["item_id"] for r in reply["recommendations"]}
    user.shown_ids = set(reply["state"]["shown_ids"])
    llm = not any(FALLBACK in n for n in reply["notices"])
    return Turn(shown if reply["recommendations"] else None, whole, llm)


def run_user(url: str, user: User, think: float, rng: random.Random, ready: threading.Barrier) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
        user.token = client.predict(api_name="/new_session")
    except Exception as exc:
        user.errors.append(f"no session: {type(exc).__name__}")
        ready.wait()
        return
    ready.wait()
    for message in user.messages:
        try:
            user.turns.append(one_turn(client, user, message))
        except Exception as exc:  # counted, reported, and the conversation goes on
            user.errors.append(f"{type(exc).__name__}: {str(exc)[:80]}")
        if think:
            time.sleep(rng.uniform(0, 2 * think))


def phase(url: str, users: int, turns: int, think: float, sessions: Path) -> dict[str, Any]:
    """``users`` users talking at once; figures over all their turns."""
    people = [User(CONVERSATIONS[i % len(CONVERSATIONS)][:turns]) for i in range(users)]
    ready = threading.Barrier(users + 1)
    threads = [
        threading.Thread(target=run_user, args=(url, u, think, random.Random(i), ready), daemon=True)
        for i, u in enumerate(people)
    ]
    for t in threads:
        t.start()
    ready.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    store = SessionStore(sessions)
    for u in people:
        if not u.token:
            continue  # its /new_session failed: counted as an error
        sent = [m.text for m in store.history(store.open(u.token)) if m.role == "user"]
        if [m for m in sent if m not in u.messages] or len(sent) < len(u.turns):
            u.crosstalk.append(f"history holds {len(sent)} messages, not its {len(u.turns)}")
        if u.shown_ids != u.recommended:
            u.crosstalk.append("state's shown films differ from the films its replies recommended")
    done = [t for u in people for t in u.turns]
    shown = [t.shown for t in done if t.shown is not None]
    return {
        "users": users,
        "think": think,
        "turns": len(done),
        "errors": sum(len(u.errors) for u in people),
        "crosstalk": sum(len(u.crosstalk) for u in people),
        "shown_p50": float(np.percentile(shown, 50)),
        "shown_p95": float(np.percentile(shown, 95)),
        "whole_p50": float(np.percentile([t.whole for t in done], 50)),
        "whole_p95": float(np.percentile([t.whole for t in done], 95)),
        "turns_per_s": len(done) / wall,
        "llm_share": sum(t.llm for t in done if t.shown is not None) / max(1, len(shown)),
        "problems": [p for u in people for p in u.errors + u.crosstalk][:5],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(port: int, env: dict[str, str], log: list[str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line.rstrip())

    threading.Thread(target=read, daemon=True).start()
    return proc


def wait_ready(url: str, proc: subprocess.Popen, log: list[str], seconds: float = 600) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the app exited:\n" + "\n".join(log[-20:]))
        try:
            urllib.request.urlopen(url + "config", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("the app did not answer")


def start_up_check(url: str) -> tuple[float, float]:
    """Whole-turn seconds of the first turn the app serves and of a second one like it."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    times = []
    for _ in range(2):
        user = User([], token=client.predict(api_name="/new_session"))
        times.append(one_turn(client, user, "I loved Heat. Something similar, but under two hours").whole)
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--think", type=float, nargs="+", default=[0.0, 5.0], help="mean pauses, s")
    parser.add_argument("--data-dir", type=Path, help="a store to serve (default: the default data dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sessions = Path(tmp) / "sessions.db"
        env = {**os.environ, "CHATREC_SESSIONS_PATH": str(sessions)}
        if args.data_dir:
            env["CHATREC_DATA_DIR"] = str(args.data_dir)
        port, log = free_port(), []
        url = f"http://127.0.0.1:{port}/"
        proc = start_app(port, env, log)
        try:
            wait_ready(url, proc, log)
            loaded = next((line for line in log if line.startswith("models loaded")), "")
            load, warm = (float(x) for x in re.findall(r"([\d.]+) s", loaded))
            first, second = start_up_check(url)
            print(
                f"start-up: models loaded in {load:.1f} s, warm-up {warm:.1f} s; first turn "
                f"{first:.2f} s, second {second:.2f} s, difference {first - second:+.2f} s"
            )
            rows = [phase(url, 1, args.turns, 0.0, sessions)]
            rows += [phase(url, args.users, args.turns, think, sessions) for think in args.think]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    failures = [line for line in log if re.match(r"\w*(Error|Exception)\b", line)]
    print("\n".join(["app errors:", *sorted(set(failures))]) if failures else "app errors: none")
    print(f"\n{args.turns} turns per user")
    print(
        "| users | think (mean) | turns | errors | cross-talk | recommendations shown p50 / p95 "
        "| whole turn p50 / p95 | turns/s | LLM reasons |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['users']} | {r['think']:.0f} s | {r['turns']} | {r['errors']} | {r['crosstalk']} "
            f"| {r['shown_p50']:.2f} / {r['shown_p95']:.2f} s "
            f"| {r['whole_p50']:.2f} / {r['whole_p95']:.2f} s "
            f"| {r['turns_per_s']:.2f} | {r['llm_share']:.0%} |"
        )
        for problem in r["problems"]:
            print("   ", problem)


if __name__ == "__main__":
    main()
