"""What the trained reader costs in a turn, beside today's rules, in the same run.

Usage: python -m benchmarks.understand_latency [--turns N]   (needs an ingested store)
For each reader: reading one message alone, and a whole turn up to the recommendations event
(understand + retrieve + rerank + diversify), with the LLM left out (catalog reasons), since the
reader only changes the part before it. Messages are the issue's own examples.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from chatrec.agent import ChatRec
from chatrec.config import Settings
from chatrec.dialogue.state import DialogueState
from chatrec.eval.rules import CueRules
from chatrec.events import Done, Recommendations

MESSAGES = [
    "Inception and Memento are two of my all-time favourites",
    "Jaws is the best movie ever made",
    "I'm not a fan of Jim Carrey, but I want something funny",
    "a war movie around two and a half hours long",
    "an eighties comedy",
    "i liked heat, ronin and collateral but not the godfathr",
    "I loved Heat. Something similar, but under two hours",
    "a funny animated film for the whole family",
]


def stats(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):6.1f} ms  p95 {float(np.percentile(ms, 95)):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().model_copy(update={"sessions_path": Path(tmp) / "s.db"})
        bot = ChatRec.from_settings(settings, llm=None)
        retriever = bot.retriever
        readers = {
            "rules": CueRules(retriever.titles, retriever.vocabulary, retriever.catalog),
            "reader": bot.understander,
        }
        bot.chat("warm-up: a western")
        for name, understander in readers.items():
            bot.understander = understander
            read, ranked, total = [], [], []
            for turn in range(args.turns):
                message = MESSAGES[turn % len(MESSAGES)]
                start = time.perf_counter()
                understander.read(message, DialogueState())
                read.append(time.perf_counter() - start)
                start = time.perf_counter()
                for event in bot.stream(message):
                    if isinstance(event, Recommendations):
                        ranked.append(time.perf_counter() - start)
                    elif isinstance(event, Done):
                        total.append(time.perf_counter() - start)
            print(f"{name:<7} understand  {stats(read)}")
            print(f"{name:<7} recs ready  {stats(ranked)}")
            print(f"{name:<7} turn (no LLM) {stats(total)}")


if __name__ == "__main__":
    main()
