"""Grounding checks for LLM text: the one place that decides whether a sentence may be shown.

Form first (long enough, no talk about "the user" or the instructions, no echo of the prompt),
then names (no catalog film or person outside the allowed set, no unknown proper name), then, for
a reason, every checkable claim (:mod:`chatrec.writing.claims`) and the tie to the user's taste.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatrec.understanding.understand import Understander
from chatrec.writing.claims import Claim, ClaimChecker
from chatrec.writing.evidence import Evidence
from chatrec.writing.prompts import prompt

# Talk about the task instead of the films: a small model's most common failure.
META = re.compile(r"\b(user|instructions?|introduction|prompt|assistant|as an ai|language model)\b", re.I)
NAME = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:(?:of|the|and|de|van|von|la|le|du)\s+)*[A-Z][\w'’.-]+)+")
MAX_REASON_WORDS = 45
SOURCES = {"Rotten Tomatoes", "Metacritic", "Academy Award", "Academy Awards"}
MIN_WORDS = 5  # "Another 48 Hrs." alone is no reason


@dataclass
class Check:
    """Grounding checks for LLM text, against one catalog."""

    understander: Understander
    claims: ClaimChecker = field(init=False)

    def __post_init__(self) -> None:
        system = " ".join(prompt(n) for n in ("intro.system", "reason.system")).casefold()
        words = re.findall(r"\w+", system)
        self._shingles = {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}
        self.claims = ClaimChecker(self.understander)

    def leaks_prompt(self, text: str) -> bool:
        words = re.findall(r"\w+", text.casefold())
        return any(" ".join(words[i : i + 6]) in self._shingles for i in range(len(words) - 5))

    def foreign_names(self, text: str, allowed: set[str]) -> list[str]:
        """Catalog people and titles in ``text`` that are not in ``allowed``."""
        allowed_folded = {a.casefold() for a in allowed}
        people = [
            p for p in self.understander.vocabulary.read(text).people if p.casefold() not in allowed_folded
        ]
        catalog = self.understander.catalog
        titles = [
            str(catalog[i].get("title"))
            for i in (m.item_id for m in self.understander.reader.spotter.named(text))
            if str(catalog[i].get("title")).casefold() not in allowed_folded
        ]
        return people + titles

    @staticmethod
    def unknown_proper_names(text: str, allowed: set[str]) -> list[str]:
        """Runs of capitalised words that are no allowed name, nor inside one (a misspelt
        "Robert DeNiro" is caught here, since no catalog lookup finds it)."""
        folded = [a.casefold() for a in allowed]
        found = []
        for match in NAME.finditer(text):
            name = match.group(0).casefold().rstrip(".")  # "... on Elm Street." ends a sentence
            if not any(name in a or a in name for a in folded):
                found.append(match.group(0))
        return found

    def acceptable(self, sentence: str, allowed: set[str]) -> bool:
        return (
            len(sentence.split()) >= MIN_WORDS
            and not META.search(sentence)
            and not self.leaks_prompt(sentence)
            and not self.foreign_names(sentence, allowed)
            and not self.unknown_proper_names(sentence, allowed)
        )

    def reason_problems(self, sentence: str, ev: Evidence) -> list[Claim]:
        """Why ``sentence`` may not be shown as the reason for ``ev``'s item (empty: it may).
        ``form`` and ``personal`` problems are no false claims; every other kind is one."""
        allowed = self.claims.allowed(ev) | SOURCES
        words = len(sentence.split())
        if not MIN_WORDS <= words <= MAX_REASON_WORDS or META.search(sentence) or self.leaks_prompt(sentence):
            return [Claim("form", sentence[:80])]
        # Small models garble relations: "Heat is a tense crime film" as the reason for another film,
        # "a next pick for fans of Fight Club, which won 1 Oscar" (the item's Oscar, given to Fight Club).
        others = ev.liked_titles - {ev.item.title}
        if any(sentence.casefold().startswith(t.casefold()) for t in others) or any(
            re.search(rf"{re.escape(t)}(?:\s*\(\d{{4}}\))?,?\s+(?:which|who|that)\b", sentence, re.I)
            for t in others
        ):
            return [Claim("form", sentence[:80])]
        unknown = [Claim("name", n) for n in self.unknown_proper_names(sentence, allowed)]
        problems = unknown + self.claims.claims(sentence, ev)
        if any(f.taste for f in ev.facts) and not self.claims.ties(sentence, ev):
            problems.append(Claim("personal", "names none of the user's tastes"))
        return problems
