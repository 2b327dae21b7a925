"""Build the shipped plot synopses: the opening sentences of each film's Wikipedia plot, quoted.

    python -m benchmarks.build_synopses --plots ../shared/data/plots/wikipedia_plots.jsonl.gz

A synopsis is extractive: whole sentences from the start of the plot (at most three, stopping before
``MAX_CHARS``), so every word is Wikipedia's and can be shown as a quotation with the credit
"Plot: Wikipedia, CC BY-SA"; a first sentence longer than that is cut at its last clause boundary
and ends with "…" (as does an opening under ``MIN_CHARS``, which takes the cut start of the next
sentence). Footnote marks and other wiki artefacts are removed first. Output: ``synopses.jsonl.gz``
next to the other plot artefacts, one ``{"id": <catalog item id>, "synopsis": ...}`` a line, sorted
by id, gzipped without a timestamp so that a rebuild is byte-identical.

The plots were linked to the catalog by title and a year estimated from the source's order, and
some links are wrong (a same-titled film of another year or country, the 1996 *Titanic*
miniseries for the 1997 film). A quoted synopsis of the wrong film is worse than none, so a film
is skipped when its plot names none of its catalog directors or cast *and* the plot's place in the
source disagrees with the catalog: its neighbours in the source (films whose plots name two of
their people) date it two or more years away, or place it among another country's films, or
another catalog film has as good a claim to the same plot. Run with ``--sample 20`` (and
``--unnamed``) to print survivors to check by eye and ``--skipped`` to print what was skipped and why.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import random
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.build_plot_knowledge import read_plots
from benchmarks.common import catalog_items
from chatrec.catalog import Item, list_field
from chatrec.catalog.titles import normalise_title
from chatrec.catalog.topics import PLOT_DIR

OUT_FILE = "synopses.jsonl.gz"
MAX_CHARS = 350  # a synopsis stops before this many characters (a clause-cut one may reach it)
MAX_SENTENCES = 3
MIN_CLAUSE = 80  # a long sentence is cut at a comma or semicolon no earlier than this
MIN_CHARS = 120  # a shorter opening ("The film opens in Saigon.") takes a cut part of the next sentence
ANCHOR_PEOPLE = 2  # a plot naming this many of its film's people dates its neighbours in the source
NEIGHBOURS = 3  # anchors on each side whose median year dates a plot
# One name is weak evidence against a decade's gap: The Kid (2010) has the 1921 Chaplin plot, in
# which a "William Miller" of its own cast happens to appear.
ONE_NAME_GAP = 10
# Known wrong links the checks cannot see (the plots README): the 1997 film has the miniseries' plot.
KNOWN_MISLINKS = frozenset({"tt0120338"})
# The source lists each origin's films year by year; these countries share a block's lists.
ORIGIN = {
    **dict.fromkeys(["United States", "Canada"], "North America"),
    **dict.fromkeys(["United Kingdom", "Ireland"], "UK/Ireland"),
    **dict.fromkeys(["Hong Kong", "People's Republic of China", "China", "Taiwan"], "China/HK/Taiwan"),
}
# These blocks also list many co-productions, so a film from elsewhere in one of them is only
# doubtful when its year is off too (in the others, a film from elsewhere is doubtful on its own).
SHARED_BLOCKS = frozenset({"North America", "UK/Ireland", "Australia", "New Zealand"})

# --- text ---------------------------------------------------------------------------------------

FOOTNOTE = re.compile(r"\[(?:\d+|[a-z]|note \d+|nb \d+|[a-z ]*needed|citation[^\]]*)\](?::\s?[\d–-]+)?", re.I)
ASIDE = re.compile(r"\s*\((?:see:? [^()]{1,60}|below|above|pictured)\)", re.I)  # "(see below)", "(see X)"
PRONUNCIATION = re.compile(r"\s*\(pronounced\s\[[^\]]*\]\)|(?<=\()pronounced\s\[[^\]]*\],\s*", re.I)
CROSS_REFERENCE = re.compile(r"^See (?:the )?[A-Z]")  # "See the Plot for the original Play."
# A synopsis is shown unasked beside a recommendation: it stops before a sentence quoting a slur.
SLUR = re.compile(r"\bnigg", re.I)
ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "st", "jr", "sr", "lt", "col", "gen", "sgt", "capt", "cpt", "cmdr"),
        *("maj", "prof", "rev", "fr", "sen", "gov", "pres", "hon", "mt", "ft", "no", "vs", "etc", "inc"),
        *("ltd", "co", "bros", "ave", "e.g", "i.e", "a.m", "p.m", "ph.d", "u.s", "u.k", "u.n", "d.c"),
        *("l.a", "n.y", "approx", "ca", "sgts", "lts", "drs", "messrs", "cpl", "pvt", "adm", "gens"),
    }
)
# A sentence ends at . ! ? (and any closing quote or bracket) before a space and an opening capital,
# digit or quote.
BOUNDARY = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(]?[A-Z0-9])")


def clean(text: str) -> str:
    """The plot's opening without footnote marks, "(see below)" asides, IPA, empty brackets or
    doubled spaces."""
    text = FOOTNOTE.sub("", text[:4000])  # the opening is all a synopsis quotes
    text = ASIDE.sub("", text)
    text = PRONUNCIATION.sub("", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    return text.strip()


def _ends_sentence(head: str) -> bool:
    """Whether the period that ends ``head`` (the text before a boundary, its last few words are
    enough) ends a sentence: not after "Dr.", "U.S." or an initial."""
    if not head.endswith("."):
        return True
    word = re.split(r"[\s(\"“—–-]", head[:-1])[-1].lower()
    return not (word in ABBREVIATIONS or re.fullmatch(r"[a-z]|(?:[a-z]\.)+[a-z]", word))


def sentences(text: str, limit: int | None = None) -> list[str]:
    """``text`` (cleaned) as sentences: its first ``limit`` sentences, or all."""
    out: list[str] = []
    start = 0
    for match in BOUNDARY.finditer(text):
        if limit is not None and len(out) >= limit:
            return out
        if _ends_sentence(text[max(start, match.start() - 40) : match.start()]):
            out.append(text[start : match.end()].strip())
            start = match.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _cut(sentence: str, limit: int = MAX_CHARS) -> str:
    """A too-long sentence cut at its last comma or semicolon within ``limit`` (with room for "…")."""
    window = sentence[: limit - 1]
    cut = max(window.rfind(", "), window.rfind("; "))
    if cut < MIN_CLAUSE:  # no clause boundary worth keeping: the last whole word
        cut = window.rfind(" ")
    return sentence[:cut].rstrip(",;: ") + "…"


def synopsis(plot: str) -> str:
    """The plot's opening: whole sentences up to ``MAX_SENTENCES`` and before ``MAX_CHARS``; "" for
    a plot that is only a heading (its list lost in the scrape: "...each bearing a title:")."""
    parts = sentences(clean(plot), limit=MAX_SENTENCES + 2)
    stop = next((n for n, part in enumerate(parts) if SLUR.search(part)), len(parts))
    parts = [p for p in parts[:stop] if not CROSS_REFERENCE.match(p)]
    if not parts or (len(parts) == 1 and parts[0].endswith(":")):
        return ""
    if len(parts[0]) > MAX_CHARS:
        return _cut(parts[0])
    text, taken = parts[0], 1
    for part in parts[1:MAX_SENTENCES]:
        if len(text) + 1 + len(part) > MAX_CHARS:
            break
        text, taken = f"{text} {part}", taken + 1
    room = MAX_CHARS - len(text) - 1
    if len(text) < MIN_CHARS and taken < min(len(parts), MAX_SENTENCES) and room > MIN_CLAUSE + 20:
        return f"{text} {_cut(parts[taken], room)}"
    if text.endswith(":"):
        text = text[:-1]
    if text[-1] not in ".!?…\"”’')":  # a plot that ends without a stop (rare): mark it as cut
        text += "…"
    return text


# --- links --------------------------------------------------------------------------------------


def people_named(plot: str, people: Iterable[str]) -> list[str]:
    """The people the plot names: by full name, or by surname as a credit "(Fairbanks)", "(Fred
    Astaire)". A bare surname is no evidence ("Miller" and "Raymond" are as often characters)."""
    found = []
    for person in people:
        surname = person.split()[-1]
        if surname not in plot:  # a cheap test first: most people are not named
            continue
        if re.search(rf"\b{re.escape(person)}\b", plot) or re.search(
            rf"\((?:[^()]{{0,40}}\s)?{re.escape(surname)}\)", plot
        ):
            found.append(person)
    return found


@dataclass(frozen=True)
class Link:
    """One catalog film and the plot linked to it by IMDb id."""

    item: Item
    plot_title: str
    doc: int  # the plot's place in the source, which lists each origin's films year by year
    named: int  # how many of the film's directors and cast the plot names

    @property
    def countries(self) -> set[str]:
        return {ORIGIN.get(c, c) for c in list_field(self.item.metadata, "countries")}


def read_sources(path: Path) -> dict[str, tuple[str, int]]:
    """IMDb id -> the plot's title and its document number in the source (the plot text itself is
    read by ``read_plots``)."""
    out: dict[str, tuple[str, int]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.setdefault(row["imdbID"], (row["title"], int(re.sub(r"\D", "", row["src_doc"]))))
    return out


class SourceOrder:
    """Where a plot sits in the source, told by the anchor links around it (plots that name at least
    ``ANCHOR_PEOPLE`` of their film's people): the years and countries of their films."""

    def __init__(self, links: Sequence[Link]) -> None:
        anchors = (lk for lk in links if lk.named >= ANCHOR_PEOPLE and lk.item.year)
        self.anchors = sorted(anchors, key=lambda lk: lk.doc)
        self.docs = [lk.doc for lk in self.anchors]

    def around(self, link: Link) -> tuple[list[Link], list[Link]]:
        lo = bisect.bisect_left(self.docs, link.doc)
        hi = bisect.bisect_right(self.docs, link.doc)
        return self.anchors[max(0, lo - NEIGHBOURS) : lo], self.anchors[hi : hi + NEIGHBOURS]

    def year_gap(self, link: Link) -> int:
        """How many years the film's catalog year lies outside the span its neighbours allow."""
        before, after = self.around(link)
        lo = statistics.median_low([a.item.year or 0 for a in before]) if before else None
        hi = statistics.median_low([a.item.year or 0 for a in after]) if after else None
        year = link.item.year
        if year is None or (lo is None and hi is None):
            return 0
        if hi is None:  # after the last anchor
            return max(0, lo - year) if lo is not None else 0
        if lo is None:  # before the first anchor
            return max(0, year - hi)
        if lo <= hi:
            return 0 if lo <= year <= hi else min(abs(year - lo), abs(year - hi))
        # A block boundary (the next origin's list starts again from its first year): the film may
        # end the block before or start the one after.
        return 0 if year >= lo or year <= hi else min(year - hi, lo - year)

    def origin(self, link: Link) -> set[str]:
        """The countries (nearly) all its neighbours share: the block's origin, or empty."""
        before, after = self.around(link)
        near = before + after
        counts = Counter(c for a in near for c in a.countries)
        return {c for c, n in counts.items() if n >= len(near) - 1} if len(near) >= 3 else set()


def doubts(links: Sequence[Link]) -> dict[str, str]:
    """Item id -> why its link is doubtful: for films whose plot names none of their people (and the
    one film whose plot names one, a decade away)."""
    order = SourceOrder(links)
    gap = {lk.item.id: order.year_gap(lk) for lk in links}

    def elsewhere(lk: Link) -> bool:
        block = order.origin(lk)
        return bool(block) and not block & lk.countries

    def foreign(lk: Link) -> bool:
        return elsewhere(lk) and (gap[lk.item.id] >= 1 or not order.origin(lk) & SHARED_BLOCKS)

    def claim(lk: Link) -> tuple[bool, int, bool, bool]:
        """Films linked to one plot: the one that names its people, then the better-dated, then the
        one from the block's country, then the one whose title the plot was filed under."""
        title_ok = normalise_title(lk.plot_title) == normalise_title(lk.item.title)
        return lk.named > 0, -gap[lk.item.id], not elsewhere(lk), title_ok

    by_doc: dict[int, list[Link]] = defaultdict(list)
    for lk in links:
        by_doc[lk.doc].append(lk)
    out: dict[str, str] = {}
    for lk in links:
        if lk.named == 1 and gap[lk.item.id] >= ONE_NAME_GAP:
            out[lk.item.id] = f"names one person only, source dates it {gap[lk.item.id]} years off"
        if lk.named:
            continue
        rivals = [r for r in by_doc[lk.doc] if r is not lk]
        if lk.item.metadata.get("imdb_id") in KNOWN_MISLINKS:
            out[lk.item.id] = "known mislink"
        elif gap[lk.item.id] >= 2:
            out[lk.item.id] = f"source dates it {gap[lk.item.id]} years off"
        elif foreign(lk):
            out[lk.item.id] = f"source places it among {'/'.join(sorted(order.origin(lk)))} films"
        elif any(claim(r) >= claim(lk) for r in rivals):
            out[lk.item.id] = "another film has as good a claim to the plot"
    return out


def build_links(plots_path: Path, items: Iterable[Item]) -> tuple[list[Link], dict[str, str]]:
    """The catalog's films that have a plot, as links, and their plots by IMDb id."""
    plots = read_plots(plots_path)
    sources = read_sources(plots_path)
    links = []
    for item in items:
        imdb = item.metadata.get("imdb_id")
        if not isinstance(imdb, str) or imdb not in plots:
            continue
        people = list_field(item.metadata, "directors") + list_field(item.metadata, "cast")
        title, doc = sources[imdb]
        links.append(Link(item, title, doc, len(people_named(plots[imdb], people))))
    return links, plots


def write(path: Path, synopses: dict[str, str]) -> None:
    """One ``{"id", "synopsis"}`` line a film, sorted by id; gzip without a timestamp (reproducible)."""
    lines = [json.dumps({"id": i, "synopsis": synopses[i]}, ensure_ascii=False) for i in sorted(synopses)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--plots", type=Path, default=Path("../shared/data/plots/wikipedia_plots.jsonl.gz"))
    parser.add_argument("--out", type=Path, default=PLOT_DIR / OUT_FILE)
    parser.add_argument("--sample", type=int, default=0, help="print this many random survivors to check")
    parser.add_argument("--unnamed", action="store_true", help="sample survivors naming nobody")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skipped", action="store_true", help="print every skipped film and why")
    args = parser.parse_args()
    links, plots = build_links(args.plots, catalog_items())
    doubtful = doubts(links)
    kept = [lk for lk in links if lk.item.id not in doubtful]
    texts = {lk.item.id: synopsis(plots[str(lk.item.metadata["imdb_id"])]) for lk in kept}
    synopses = {item_id: text for item_id, text in texts.items() if text}
    write(args.out, synopses)
    reasons = Counter(" ".join(r.split(" ")[:2]) for r in doubtful.values())
    lengths = sorted(len(s) for s in synopses.values())
    print(f"{len(links)} catalog films with a plot; skipped {len(doubtful)} doubtful links: {dict(reasons)}")
    print(f"{len(texts) - len(synopses)} plots had no sentence to quote")
    print(
        f"wrote {args.out}: {len(synopses)} synopses, {args.out.stat().st_size:,} bytes; "
        f"length median {lengths[len(lengths) // 2]}, max {lengths[-1]}; "
        f"ending in a cut clause {sum(s.endswith('…') for s in synopses.values())}"
    )
    by_id = {lk.item.id: lk for lk in links}

    def label(lk: Link) -> str:
        people = list_field(lk.item.metadata, "directors") + list_field(lk.item.metadata, "cast")[:3]
        return f"{lk.item.title} ({lk.item.year}) [{lk.item.id}, names {lk.named}] {', '.join(people)}"

    if args.skipped:
        for item_id, why in sorted(doubtful.items(), key=lambda kv: by_id[kv[0]].doc):
            lk = by_id[item_id]
            print(f"- {label(lk)}: {why}\n    {synopsis(plots[str(lk.item.metadata['imdb_id'])])[:160]}")
    pool = sorted(i for i in synopses if not (args.unnamed and by_id[i].named))
    for item_id in random.Random(args.seed).sample(pool, args.sample):
        print(f"\n{label(by_id[item_id])}\n  {synopses[item_id]}")


if __name__ == "__main__":
    main()
