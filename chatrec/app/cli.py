"""The ``chatrec`` command: ingest and search (the chat UI is ``app.py``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from chatrec.catalog import Filters, list_field
from chatrec.config import Settings
from chatrec.errors import ChatrecError, one_line
from chatrec.store.chroma import Hit


class Parser(argparse.ArgumentParser):
    """An argument parser whose subcommands report unknown options themselves, with their own
    usage: argparse passes a subcommand's leftovers up, and the top-level usage helps nobody."""

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        if extra:
            self.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed, extra


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def guarded(action: Callable[[], int]) -> int:
    """Run a command; library errors become one line on stderr and exit code 1.

    ``CHATREC_DEBUG=1`` re-raises instead, for a traceback.
    """
    try:
        return action()
    except (ChatrecError, ValidationError) as exc:
        if os.environ.get("CHATREC_DEBUG"):
            raise
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: everything written so far is kept; run again to resume", file=sys.stderr)
        return 130


def _format_hit(rank: int, hit: Hit) -> str:
    meta = hit.item.metadata
    facts = [
        ", ".join(hit.item.genres),
        ", ".join(list_field(meta, "directors")),
        f"{meta['runtime']} min" if "runtime" in meta else "",
        str(meta.get("rating", "")),
    ]
    details = " · ".join(f for f in facts if f)
    return f"{rank:>2}. {hit.item.label}  [{hit.score:.3f}]\n    {details}"


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from chatrec.ingest.run import ingest

    ingest(settings, args.source, args.mapping, prune=args.prune, collection=args.collection)
    return 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from chatrec.retrieval.retriever import Retriever

    filters = Filters(
        year_from=args.year_from,
        year_to=args.year_to,
        genres=args.genre,
        not_genres=args.not_genre,
        max_runtime=args.max_runtime,
        ratings=args.rating,
        languages=args.language,
    )
    retriever = Retriever.from_settings(settings)
    retriever.store.require_items()
    hits = retriever.search(
        args.query, n=args.n, filters=retriever.canonical(filters), exclude_ids=args.exclude
    )
    if not hits:
        print("no item matches these filters")
    for rank, hit in enumerate(hits, 1):
        print(_format_hit(rank, hit))
    return 0


def _eval_redial(args: argparse.Namespace, settings: Settings) -> int:
    from chatrec.eval.report import markdown_table, write_report
    from chatrec.eval.run import evaluate_redial
    from chatrec.retrieval.retriever import Retriever

    retriever = Retriever.from_settings(settings)
    retriever.store.require_items()
    systems = [s.strip() for s in args.system.split(",") if s.strip()]
    result = evaluate_redial(
        retriever, args.data, systems=systems, split=args.split, limit=args.limit, targets_to=args.targets_to
    )
    write_report(result.rows, result.curves, args.out, result.header)
    print(result.header)
    print(markdown_table([r for r in result.rows if r["variant"] == "dedup"]))
    print(f"wrote {args.out / 'metrics.json'}, metrics.md and recall_at_k.png")
    return 0


def _eval_understanding(args: argparse.Namespace, settings: Settings) -> int:
    from chatrec.eval.understanding import run_cli
    from chatrec.store.chroma import Store

    store = Store(settings)
    store.require_items()
    catalog = store.metadata()
    return run_cli(args.data, args.out, catalog)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    """A terminal chat on the same events the browser app renders."""
    from chatrec.agent import ChatRec
    from chatrec.events import Notice, Recommendations, TextDelta

    bot = ChatRec.from_settings(settings)
    session = args.session or bot.new_session()
    bot.state(session)  # an unknown --session token fails here, in one line, before any chat
    print("chatrec: tell me what you feel like watching (Ctrl-D to quit, /new to start over)")
    print(f"(to continue this conversation later: chatrec chat --session {session})", file=sys.stderr)
    while True:
        try:
            message = input("\nyou> ")
        except EOFError:
            print()
            return 0
        if message.strip() == "/new":
            bot.reset(session)
            print("(new conversation)")
            continue
        print("chatrec> ", end="", flush=True)
        for event in bot.stream(message, session):
            if isinstance(event, Notice):
                print(f"[{event.text}]", file=sys.stderr)
            elif isinstance(event, Recommendations) and args.verbose:
                print(f"[{', '.join(r.label for r in event.items)}]", file=sys.stderr)
            elif isinstance(event, TextDelta):
                print(event.text, end="", flush=True)
        print()


def _train_reranker(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from chatrec.reranker.train import TrainConfig, train_reranker
    from chatrec.retrieval.retriever import Retriever

    retriever = Retriever.from_settings(settings)
    retriever.store.require_items()
    config = TrainConfig(
        layers=args.layers,
        max_length=settings.reranker_max_length,
        epochs=args.epochs,
        synthetic=args.synthetic,
        max_groups=args.max_groups,
        negatives=args.negatives,
        seed=args.seed,
    )
    report = train_reranker(retriever, args.data, args.out, settings, config)
    print(json.dumps(report["validation"], indent=1))
    print(f"wrote {args.out} (weights, fusion.json, training.json, training_loss.png)")
    return 0


def _train_retriever(args: argparse.Namespace, settings: Settings) -> int:
    from chatrec.retrieval.conversation_train import TrainConfig, train_retriever
    from chatrec.retrieval.retriever import Retriever

    retriever = Retriever.from_settings(settings)
    retriever.store.require_items()
    config = TrainConfig(
        epochs=args.epochs,
        frozen_layers=args.frozen_layers,
        max_samples=args.max_samples,
        seeker_turns=args.seeker_turns,
        seed=args.seed,
    )
    report = train_retriever(retriever, args.data, args.out, settings, config)
    kept = next(p for p in report["curve"] if p["step"] == report["step_kept"])
    print(f"kept step {report['step_kept']} of the val curve: {kept}")
    print(f"wrote {args.out} (weights, retriever.json, training.json, training.png, reference.json)")
    return 0


def _train_reader(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from chatrec.store.chroma import Store
    from chatrec.understanding.mention_train import train_reader

    store = Store(settings)
    store.require_items()
    catalog = store.metadata()
    report = train_reader(catalog, args.data, args.out)
    print(json.dumps({k: v for k, v in report.items() if k != "weights"}))
    print(f"wrote {args.out} (title_stats.json, training.json)")
    return 0


def _prune_sessions(args: argparse.Namespace, settings: Settings) -> int:
    from chatrec.sessions import SessionStore

    days = settings.session_days if args.days is None else args.days
    if not days:
        print("sessions are kept forever (CHATREC_SESSION_DAYS=0): nothing removed")
        return 0
    store = SessionStore.from_settings(settings)
    removed = store.prune(days)
    print(f"removed {removed} sessions idle for more than {days:g} days; {store.count()} remain")
    return 0


def days(text: str) -> float:
    """An argparse type: a number of days above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of days above 0, not {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="chatrec", description="Conversational recommendations.")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="load a catalog into the store (default: the movie catalog)")
    ingest.add_argument(
        "source", nargs="?", type=Path, help="CSV, JSONL or SQLite file; default: the movie catalog"
    )
    ingest.add_argument("--mapping", type=Path, help="field mapping (.json or .toml); required with a source")
    ingest.add_argument(
        "--prune", action="store_true", help="remove stored items that are gone from the source"
    )
    ingest.add_argument(
        "--collection", help="collection to fill (default: 'movies', or a SOURCE's file name, e.g. films)"
    )
    ingest.set_defaults(run=_ingest)
    search = sub.add_parser("search", help="retrieve items for a query under hard filters")
    search.add_argument("query")
    search.add_argument("-n", type=positive, default=10, help="how many results (default 10)")
    search.add_argument("--year-from", type=int)
    search.add_argument("--year-to", type=int)
    search.add_argument("--genre", action="append", default=[], help="required genre (repeatable)")
    search.add_argument("--not-genre", action="append", default=[], help="excluded genre (repeatable)")
    search.add_argument("--max-runtime", type=int, help="minutes")
    search.add_argument("--rating", action="append", default=[], help="allowed MPAA rating (repeatable)")
    search.add_argument("--language", action="append", default=[], help="allowed language (repeatable)")
    search.add_argument("--exclude", action="append", default=[], help="item id to leave out (repeatable)")
    search.set_defaults(run=_search)
    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--session", help="a session token printed by an earlier chat (default: a new one)")
    chat.add_argument("-v", "--verbose", action="store_true", help="print the chosen items first")
    chat.set_defaults(run=_chat)
    evaluate = sub.add_parser("eval", help="offline evaluation").add_subparsers(dest="dataset", required=True)
    redial = evaluate.add_parser("redial", help="ReDial turn-level Recall/NDCG (see README)")
    redial.add_argument("--data", type=Path, required=True, help="ReDial-format JSONL file")
    redial.add_argument("--limit", type=positive, help="only the first N dialogues")
    redial.add_argument("--system", default="popularity,copy,retrieval", help="comma-separated systems")
    redial.add_argument("--split", choices=["all", "train", "val"], default="all", help="dialogue split")
    redial.add_argument("--out", type=Path, default=Path("eval-results"), help="output directory")
    redial.add_argument(
        "--targets-to", type=int, metavar="YEAR", help="only target films up to YEAR (to compare catalogs)"
    )
    redial.set_defaults(run=_eval_redial)
    from chatrec.eval import topics as topics_eval

    topics = evaluate.add_parser("topics", help="topic-request benchmark: success@10 and recall@10")
    topics_eval.add_arguments(topics)
    topics.set_defaults(run=topics_eval.run)
    from chatrec.eval import reasons as reasons_eval

    reasons = evaluate.add_parser("reasons", help="reasons benchmark: false claims, acceptance, latency")
    reasons_eval.add_arguments(reasons)
    reasons.set_defaults(run=reasons_eval.run)
    from chatrec.eval import blind as blind_eval

    blind = evaluate.add_parser("blind", help="a blind read of reasons: make the sheet, then score its marks")
    blind_eval.add_arguments(blind)
    blind.set_defaults(run=blind_eval.run)
    from chatrec.eval import moods as moods_eval

    moods = evaluate.add_parser("moods", help="mood requests judged blind: make the sheet, then score it")
    moods_eval.add_arguments(moods)
    moods.set_defaults(run=moods_eval.run)
    from chatrec.eval import dialogue as dialogue_eval

    dialogue = evaluate.add_parser(
        "dialogue", help="acts, slots and 'request governs' on messages in context"
    )
    dialogue_eval.add_arguments(dialogue)
    dialogue.set_defaults(run=dialogue_eval.run)
    reading = evaluate.add_parser("understanding", help="title linking and polarity on ReDial (see README)")
    reading.add_argument("--data", type=Path, required=True, help="ReDial-format JSONL file (dev)")
    reading.add_argument("--out", type=Path, default=Path("eval-understanding"), help="output directory")
    reading.set_defaults(run=_eval_understanding)
    from chatrec.reranker.model import default_model_path
    from chatrec.reranker.train import TrainConfig
    from chatrec.understanding.tokens import default_model_dir

    train = sub.add_parser(
        "train-reranker", help="train the cross-encoder on ReDial train + catalog requests"
    )
    train.add_argument(
        "--data", type=Path, required=True, help="ReDial-format JSONL (its train split is used)"
    )
    train.add_argument("--out", type=Path, default=default_model_path(), help="model directory to write")
    train.add_argument("--epochs", type=positive, default=TrainConfig.epochs, help="the best on val is kept")
    train.add_argument("--layers", type=int, default=TrainConfig.layers, help="MiniLM layers kept (1-6)")
    train.add_argument("--synthetic", type=int, default=TrainConfig.synthetic, help="catalog requests")
    train.add_argument("--max-groups", type=positive, help="train on at most this many ReDial groups")
    train.add_argument(
        "--negatives",
        choices=("retrieval", "hybrid"),
        default=TrainConfig.negatives,
        help="hard negatives from content retrieval, or also co-occurring and most-named films",
    )
    train.add_argument("--seed", type=int, default=TrainConfig.seed)
    train.set_defaults(run=_train_reranker)
    from chatrec.retrieval import conversation, conversation_train

    retr = sub.add_parser("train-retriever", help="fine-tune the conversation retriever on ReDial train")
    retr.add_argument("--data", type=Path, required=True, help="ReDial train JSONL (never dev)")
    retr.add_argument("--out", type=Path, default=conversation.default_model_path(), help="model directory")
    retr.add_argument("--epochs", type=positive, default=conversation_train.TrainConfig.epochs)
    retr.add_argument("--frozen-layers", type=int, default=conversation_train.TrainConfig.frozen_layers)
    retr.add_argument("--max-samples", type=positive, help="train on at most this many turns")
    retr.add_argument("--seeker-turns", action="store_true", help="also train on the seeker's turns")
    retr.add_argument("--seed", type=int, default=0)
    retr.set_defaults(run=_train_retriever)
    reader = sub.add_parser("train-reader", help="learn the title spotter's filter from ReDial train")
    reader.add_argument("--data", type=Path, required=True, help="ReDial train JSONL (never dev)")
    reader.add_argument("--out", type=Path, default=default_model_dir(), help="model directory to write")
    reader.set_defaults(run=_train_reader)
    from chatrec.eval import hybrid_fit
    from chatrec.ingest import interactions as interactions_cli

    interactions = sub.add_parser("ingest-interactions", help="load item co-occurrence next to the catalog")
    interactions_cli.add_arguments(interactions)
    interactions.set_defaults(run=interactions_cli.run)
    fit = sub.add_parser("fit-hybrid", help="fit the hybrid ranking's weights on ReDial train's val split")
    hybrid_fit.add_arguments(fit)
    fit.set_defaults(run=hybrid_fit.run)
    sessions = sub.add_parser("sessions", help="the stored conversations").add_subparsers(
        dest="action", required=True
    )
    prune = sessions.add_parser(
        "prune", help="remove sessions idle past the retention (CHATREC_SESSION_DAYS)"
    )
    prune.add_argument("--days", type=days, help="idle days to keep (default: CHATREC_SESSION_DAYS, 30)")
    prune.set_defaults(run=_prune_sessions)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return guarded(lambda: args.run(args, Settings()))
