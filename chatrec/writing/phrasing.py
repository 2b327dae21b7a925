"""Sentences from evidence that read like a person wrote them, and never repeat within a reply.

A reason's *template* (its frame) is its sentence with the names, titles, genres, numbers and
the film's premise taken out: "It is a crime film, as you asked" and "It is a drama film, as you
asked" share one, and a reply that says both reads like a form. :func:`phrase_reply` gives every
item of a reply a plain sentence of its own template (rotating the phrasings of each fact, the
way two facts are joined and where the premise goes); :func:`distinct` keeps a phrased reason only
if its template is new in the reply and in the conversation's last turns (``recent``).

A reason is a tie and a story where the film has a premise: why this film for this person (a
shared director, what fans of their film pick, the genre or person they asked for), then what
happens in it. Numbers help once, not on every card: a critics' score or an award is said in at
most one reason of a reply.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from chatrec.catalog import list_field
from chatrec.writing.evidence import Evidence, Fact
from chatrec.writing.respond import LLMUnavailable, Responder, Unusable

# Facts that say the same kind of thing: one of each per sentence ("a comedy, as you asked"
# and "a comedy, like Airplane!" are one fact twice).
FAMILIES = {"genre": "genre", "genre_like": "genre", "basic": "genre", "directors": "credit"}
FAMILIES |= {"person": "credit", "credit": "credit", "contrast": "genre"}
JOINERS = ("{a}, and {b}", "{a}; {b}", "{a} — and {b}")
# Where the premise goes beside the tie (``t``: the tie as a sentence, ``p``: the premise).
# A capital after a name ("directed by Adam McKay. The story") would read as more of the name.
# The tie, then the story, or the story, then the tie: readers found any frame stitched between
# them ("here is the gist:", "the story goes:") read like a form.
WITH_PREMISE = ("{T}. {p}", "{p} {T}.")
QUALITY = ("critics", "awards")
QUALITY_SAID = "#quality"  # in ``used``: a reason of this reply has said a score or an award
NUMBER = re.compile(r"\d+")
PUNCTUATION = re.compile(r"[^\w\s#]")


def template(sentence: str, ev: Evidence) -> str:
    """The sentence with the item-specific words masked: what two reasons must not share."""
    text = sentence.casefold()
    if ev.premise:
        text = text.replace(ev.premise.casefold(), " P ")
    names = {*ev.names, *ev.liked_titles, ev.item.title}
    for name in sorted((n.casefold() for n in names if n), key=len, reverse=True):
        text = text.replace(name, " N ")
    genres = {*ev.item.genres, *(g for m in ev.related for g in list_field(m, "genres"))}
    for genre in sorted((g.casefold() for g in genres), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(genre)}\b", " G ", text)
    text = PUNCTUATION.sub(" ", NUMBER.sub("#", text))
    words = [w for w in text.split() if w not in ("a", "an", "and")]  # "a G" vs "an G"
    return " ".join(re.sub(r"\b(?:G )+G\b", "G", " ".join(words)).split())


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _second(facts: Sequence[Fact], quality: bool = True, titles: Collection[str] = ()) -> Fact | None:
    """The fact to say after the lead: a different kind, a quality fact (critics, awards, what
    fans pick) before more of the same taste; no score or award once the reply has said one."""
    family = FAMILIES.get(facts[0].kind, facts[0].kind)
    rest = [f for f in facts[1:] if FAMILIES.get(f.kind, f.kind) != family]
    rest = [f for f in rest if quality or f.kind not in QUALITY]
    # a film the lead names is not named again in the same sentence, where another fact will do
    named = [t for t in titles if t in facts[0].ways[0]]
    strong = ("together", *QUALITY)
    rest = sorted(rest, key=lambda f: (any(t in f.ways[0] for t in named), f.kind not in strong))
    return next(iter(rest), None)


def _once(first: str, second: str, titles: Collection[str]) -> str:
    """``second`` with a film ``first`` already named said as "that one" ("fans of that one")."""
    for title in titles:
        label = re.compile(rf"{re.escape(title)}(?: \(\d{{4}}\))?")
        if label.search(first):
            second = label.sub("that one", second, count=1)
    return second


def _lead(ev: Evidence, quality: bool) -> Fact | None:
    usable = [f for f in ev.facts if quality or f.kind not in QUALITY]
    return next(iter(usable), None)


def sentences(ev: Evidence, offset: int = 0, quality: bool = True) -> list[tuple[str, list[str]]]:
    """Every plain sentence for ``ev`` with the clauses it says, the ones suited to position
    ``offset`` in a reply first; ``quality`` False leaves scores and awards out."""
    lead = _lead(ev, quality)
    if ev.premise:
        return _with_premise(ev, lead, offset)
    if lead is None:  # evidence always holds a basic fact; this is for evidence built by hand
        return [(ev.item.title + ".", [])]
    second = _second([lead, *(f for f in ev.facts if f is not lead)], quality, ev.liked_titles)
    found: dict[str, list[str]] = {}
    for i, j, k in itertools.product(range(len(lead.ways)), range(3), range(len(JOINERS))):
        a = lead.ways[(i + offset) % len(lead.ways)]
        if second is None:
            found.setdefault(_capital(a) + ".", [a])
            continue
        b = _once(a, second.ways[(j + offset) % len(second.ways)], ev.liked_titles)
        found.setdefault(_capital(JOINERS[(k + offset) % len(JOINERS)].format(a=a, b=b)) + ".", [a, b])
    # Each lead phrasing alone comes last: a fallback that is still a true, personal sentence.
    for w in lead.ways:
        found.setdefault(_capital(w) + ".", [w])
    return list(found.items())


def _with_premise(ev: Evidence, lead: Fact | None, offset: int) -> list[tuple[str, list[str]]]:
    """The tie and the premise, in each frame of WITH_PREMISE; the premise alone comes last."""
    premise = ev.premise or ""
    found: dict[str, list[str]] = {}
    ways = lead.ways if lead is not None else ()
    for i, k in itertools.product(range(len(ways)), range(len(WITH_PREMISE))):
        tie = ways[(i + offset) % len(ways)]
        frame = WITH_PREMISE[(k + offset) % len(WITH_PREMISE)]
        found.setdefault(frame.format(T=_capital(tie), p=premise), [tie, premise])
    found.setdefault(premise, [premise])
    return list(found.items())


def distinct(
    candidate: str | None, ev: Evidence, used: set[str], offset: int = 0, recent: Collection[str] = ()
) -> str:
    """``candidate`` if its template is new in this reply and not in ``recent`` (the last turns'
    templates), else the first plain sentence that is (the least bad one when none is); the
    template is recorded in ``used``."""
    quality = QUALITY_SAID not in used
    options = [(candidate, ev.clauses)] if candidate else []
    options += sentences(ev, offset, quality)
    fresh = [o for o in options if template(o[0], ev) not in used]
    chosen = next((o for o in fresh if template(o[0], ev) not in recent), (fresh or options)[-1])
    used.add(template(chosen[0], ev))
    if any(f.kind in QUALITY and any(c in f.ways for c in chosen[1]) for f in ev.facts):
        used.add(QUALITY_SAID)
    ev.clauses = chosen[1]
    return chosen[0]


def phrase_reply(evidences: Sequence[Evidence], recent: Collection[str] = ()) -> None:
    """Give each item of one reply its plain sentence, no two of one template and none of the
    ``recent`` ones where another will do."""
    used: set[str] = set()
    for n, ev in enumerate(evidences):
        ev.sentence = distinct(None, ev, used, offset=n, recent=recent)


@dataclass
class Said:
    """One item's reason as shown, the LLM's draft (None when none was asked) and why the draft
    was not shown (``kind: words``)."""

    text: str
    draft: str | None = None
    problems: tuple[str, ...] = ()


@dataclass
class ReplyReasons:
    """The reasons of one reply, in order: the LLM's phrasing where it passes every check and its
    template is new in the reply, else a plain sentence whose template is. After one LLM failure
    (``working`` False) the rest of the reply asks it nothing."""

    responder: Responder
    request: str
    deadline: float
    working: bool = True
    recent: Collection[str] = ()  # the templates of the conversation's last turns
    used: set[str] = field(default_factory=set)

    def reason(self, ev: Evidence, n: int) -> Said:
        phrased, problems = None, []
        if self.working:
            try:
                phrased = self.responder.reason(self.request, ev, self.deadline)
            except Unusable as exc:
                phrased, problems = exc.sentence, exc.problems
            except LLMUnavailable:
                self.working = False
        text = distinct(None if problems else phrased, ev, self.used, offset=n, recent=self.recent)
        said = [f"{p.kind}: {p.text}" for p in problems] or ["form: a repeated template"] * (text != phrased)
        return Said(text, phrased, tuple(said) if phrased else ())
