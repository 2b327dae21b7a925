"""The agent's memory across many sessions: does it stay flat (issue 30, session lifecycle)?

Usage: python -m benchmarks.session_memory [--sessions 10000] [--every 1000] [--ranked 10]
(needs the default catalog ingested: `make run` or `python -m chatrec ingest`).

One agent on the default catalog, catalog reasons only (no LLM: its memory is the model's, not
the sessions'), a session store in a temp dir. Each session takes what a visitor's first visit
costs the agent: a new token, a look at the empty history and state, and one turn; every
``--ranked``-th session asks for films (the whole ranking pipeline), the others chat. After every
``--every`` sessions the process's RSS is read (after a garbage collection), with what the agent
keeps per session: in-process turn locks and remembered owners (bounded at 100,000). Memory is
flat when the RSS at the end is within noise of the RSS after the first ``--every`` sessions.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from chatrec.agent import ChatRec
from chatrec.config import Settings

CHAT = ["hi there", "thanks!", "what can you do?", "ok cool"]
ASK = ["a comedy from the 90s", "something like heat", "a scary film, nothing too long", "any westerns?"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--ranked", type=int, default=10, help="every Nth session asks for films")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        settings = Settings(sessions_path=Path(work) / "sessions.db")
        bot = ChatRec.from_settings(settings, llm=None)
        bot.warm_up()
        gc.collect()
        print(f"agent loaded: RSS {rss_mb():.0f} MB")
        rows: list[tuple[int, float, float, int, int]] = []
        started = time.perf_counter()
        for n in range(1, args.sessions + 1):
            token = bot.new_session()
            bot.history(token)
            bot.state(token)
            asks = n % args.ranked == 0
            bot.chat((ASK if asks else CHAT)[n % 4], token)
            if n % args.every == 0:
                gc.collect()
                rows.append(
                    (n, rss_mb(), time.perf_counter() - started, len(bot._locks), len(bot.sessions._owners))
                )
                print(
                    f"{n:>6} sessions: RSS {rows[-1][1]:.0f} MB, {rows[-1][2]:.0f} s, "
                    f"turn locks held {rows[-1][3]}, owners remembered {rows[-1][4]}",
                    flush=True,
                )
        stored = bot.sessions.count()
    first, last = rows[0][1], rows[-1][1]
    steps = [b[1] - a[1] for a, b in itertools.pairwise(rows)]
    print(
        f"\n{args.sessions} sessions ({stored} stored): RSS {first:.0f} MB after {rows[0][0]}, "
        f"{last:.0f} MB after {rows[-1][0]} (+{last - first:.1f} MB, "
        f"{(last - first) * 1024 / max(1, rows[-1][0] - rows[0][0]):.2f} KB per session); "
        f"median step per {args.every}: {statistics.median(steps) if steps else 0:+.1f} MB"
    )


if __name__ == "__main__":
    main()
