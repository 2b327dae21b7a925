"""Why an item fits, computed from the catalog, the interactions and the user's state before any
LLM is asked.

A reason is evidence first, words second: the facts here are true by construction, the names in
them are the only names a phrased reason may use, and the plain sentence built from them is the
reason whenever the LLM's phrasing fails its check. Facts are ranked by what matters to this user:
a director, writer or actor shared with a film they liked, what people who liked their films went
on to pick, their stated tastes and limits come first; critics' scores and awards follow; the
genre line a card already shows comes last. Each fact has several phrasings
(:mod:`chatrec.writing.phrasing` picks one per item so that a reply never repeats a template).
Beside the facts, the film's premise (:mod:`chatrec.writing.premise`) says what happens in it.
Limits the user set are never a reason: every card meets them, and "it fits your 120-minute
limit" says why the film passed a filter, not why it is worth watching.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatrec.catalog import PEOPLE_FIELDS, Item, list_field
from chatrec.catalog.credits import credits_of
from chatrec.catalog.moods import SAYS_IT, MoodIndex
from chatrec.catalog.synopses import Synopses
from chatrec.catalog.wording import Wording
from chatrec.dialogue.state import DialogueState
from chatrec.writing.grounds import Evidence, Fact, article, genre_words, item_label, joined, tastes
from chatrec.writing.premise import premise

__all__ = ["Evidence", "Evidencer", "Fact", "evidence"]

# Conversations naming both films before "people who liked X pick it too" is said (most pairs
# of the shipped ReDial counts are 1), and before "often".
MIN_TOGETHER, OFTEN = 2, 4
HIGH_METER, HIGH_METACRITIC = 85, 75


class Evidencer:
    """Builds evidence for one catalog; keeps the person -> main role index it needs."""

    def __init__(
        self,
        catalog: Mapping[str, Mapping[str, Any]],
        *,
        together: Mapping[str, Mapping[str, float]] | None = None,
        wording: Wording | None = None,
        synopses: Synopses | None = None,
        moods: MoodIndex | None = None,
    ) -> None:
        self.catalog = catalog
        self.moods = MoodIndex.load() if moods is None else moods
        self.together = together or {}
        self.wording = wording or Wording()
        self.credits = credits_of(catalog)
        self.synopses = synopses

    def _credit(self, role: str, names: list[str], known: str = "") -> tuple[str, ...]:
        """Ways to say "it is <role> <names>" that the claim checker accepts for that role: "stars"
        only for people who mostly act, "in the cast" for the rest."""
        who, verb = joined(names), "are" if len(names) > 1 else "is"
        if role != "cast":
            return (f"it is {self.wording.role(role)} {who}{known}",)
        if self.wording.is_film and all(self.credits.main_role(n) == "cast" for n in names):
            return (f"it stars {who}{known}", f"{who} {verb} in it{known}")
        return (f"{who} {verb} in the cast{known}",)

    def _from_liked(
        self, meta: Mapping[str, Any], liked: Mapping[str, Any], state: DialogueState, ev: Evidence
    ) -> None:
        ways: tuple[str, ...]
        title, noun = item_label(liked), self.wording.noun
        found = False
        for role, weight in (("directors", 10.0), ("authors", 10.0), ("writers", 7.0), ("creators", 8.0)):
            shared = [p for p in list_field(meta, role) if p in list_field(liked, role)][:1]
            if shared:
                p, phrase = shared[0], self.wording.role(role)
                ways = (
                    f"it is {phrase} {p}, like {title}",
                    f"{p} is behind it, as with {title}",
                    f"it comes from {p}, the name behind {title}",
                )
                ev.facts.append(Fact(role, ways, weight, taste=True))
                ev.names.add(p)
                found = True
        # the best known of the cast both films share, as billed or by renown ("De Niro again")
        both = set(list_field(meta, "cast")) & set(list_field(liked, "cast"))
        cast = [c for c in self.credits.best_known(list_field(meta, "cast")) if c in both][:2]
        if cast:
            verb = "are" if len(cast) > 1 else "is"
            ways = (
                f"{joined(cast)} {verb} in it, as in {title}",
                f"you get {joined(cast)} again, as in {title}",
                f"it shares {joined(cast)} with {title}",
            )
            ev.facts.append(Fact("cast", ways, 8.0 + len(cast) / 2, taste=True))
            ev.names.update(cast)
            found = True
        count = self.together.get(str(liked.get("_id")), {}).get(ev.item.id, 0.0)
        if count >= MIN_TOGETHER:
            often = "often " if count >= OFTEN else ""
            ways = (
                f"people who liked {title} {often}pick it too",
                f"fans of {title} {often}go for it too",
                f"it is a {'common ' if often else ''}pick among fans of {title}",
            )
            ev.facts.append(Fact("together", ways, 7.0 + min(count, 20) / 10, taste=True))
            found = True
        genres = [g for g in list_field(meta, "genres") if g in list_field(liked, "genres")][:2]
        if genres:
            g = genre_words(genres)
            ways = (
                f"it is {article(g)} {noun}, like {title}",
                f"like {title}, it is {article(g)} {noun}",
                f"it is {article(g)} {noun}, much like {title}",
            )
            ev.facts.append(Fact("genre_like", ways, 4.0 + (not found), taste=True))
            found = True
        found = self._contrast(meta, liked, title, bool(state.constraints.max_runtime), ev) or found
        if found:
            ev.names.add(str(liked.get("title")))
            ev.liked_titles.add(str(liked.get("title")))
            ev.related.append(liked)

    def _contrast(
        self, meta: Mapping[str, Any], liked: Mapping[str, Any], title: str, short: bool, ev: Evidence
    ) -> bool:
        """ "Shorter than Heat" when length matters (a time limit, or a long liked film), "lighter
        than Fight Club" when the item adds comedy to a genre they share."""
        ways: tuple[str, ...]
        found = False
        runtime, theirs = meta.get("runtime"), liked.get("runtime")
        longer = theirs - runtime if isinstance(runtime, int) and isinstance(theirs, int) else 0
        if longer >= 20 and (short or int(theirs or 0) >= 140):
            ways = (f"at {runtime} minutes it is shorter than {title}", f"it is shorter than {title}")
            ev.facts.append(Fact("runtime", ways, 4.5, taste=True))
            found = True
        light = {"Comedy", "Animation", "Family"}
        mine, their = set(list_field(meta, "genres")), set(list_field(liked, "genres"))
        if "Comedy" in mine and not their & light and mine & their:
            ways = (f"it is lighter than {title}, with comedy in the mix",)
            ev.facts.append(Fact("contrast", ways, 3.5, taste=True))
            found = True
        return found

    def _stated(self, meta: Mapping[str, Any], state: DialogueState, ev: Evidence) -> None:
        ways: tuple[str, ...]
        noun = self.wording.noun
        for person in state.likes.people:
            role = next((r for r in PEOPLE_FIELDS if person in list_field(meta, r)), None)
            if role and person not in ev.names:
                ways = self._credit(role, [person], ", as you asked")
                ways += (f"{person}, whom you mentioned, is behind it",) if role != "cast" else ()
                ev.facts.append(Fact("person", ways, 9.0, taste=True))
                ev.names.add(person)
        asked = [*state.likes.genres, *state.constraints.genres]
        genres = [g for g in list_field(meta, "genres") if g in asked]
        if genres:
            g = genre_words(genres)
            ways = (
                f"it's {article(g)} {noun}, as you asked",
                f"it's the {g} {noun} you were after",
                f"just the {g} {noun} you wanted",
            )
            ev.facts.append(Fact("genre", ways, 6.0, taste=True))
        topics = [t for t in list_field(meta, "topics") if t in state.likes.topics][:2]
        if topics:  # only the item's own plot topics: a reason never invents what it is about
            t = joined(topics)
            ways = (f"it is {article(t)} story, as you asked", f"it has the {t} story you asked for")
            ev.facts.append(Fact("topic", ways, 7.0, taste=True))
        self._moods(state, ev)
        year = meta.get("year")
        decade = next((d for d in state.likes.decades if isinstance(year, int) and d <= year < d + 10), None)
        if decade is not None:
            ways = (
                f"it is from {year}, in the {decade}s you like",
                f"it came out in {year}, your decade",
                f"it is a {year} {noun}, from the {decade}s you like",
            )
            ev.facts.append(Fact("decade", ways, 5.0, taste=True))

    def _moods(self, state: DialogueState, ev: Evidence) -> None:
        """A mood the user asked for, said only where the mood index puts the film at the top of
        it; a mood they ruled out, said absent only where the film sits in the lower half."""
        ways: tuple[str, ...]
        item_id = ev.item.id
        wished = [m for m in state.likes.moods if (self.moods.score(item_id, m) or 0) >= SAYS_IT][:2]
        if wished:
            m = " and ".join(wished)
            ways = (
                f"going by its story, it is {m}, as you asked",
                f"you wanted something {m}, and its story is just that",
                f"its story has the {m} feel you asked for",
            )
            ev.facts.append(Fact("mood", ways, 6.5, taste=True))
        scores = {m: self.moods.score(item_id, m) for m in state.dislikes.moods}
        calm = [m for m, score in scores.items() if score is not None and score < 50][:1]  # 0 is a score
        if calm and not wished:
            ways = (
                f"going by its story, it is not {calm[0]} at all",
                f"its story is nothing too {calm[0]}",
                f"nothing in its story is too {calm[0]}",
            )
            ev.facts.append(Fact("mood", ways, 5.5, taste=True))

    def _quality(self, meta: Mapping[str, Any], ev: Evidence) -> None:
        ways: tuple[str, ...]
        meter, metacritic = meta.get("critic_meter"), meta.get("metacritic")
        if isinstance(meter, int) and meter >= HIGH_METER and self.wording.is_film:
            ways = (f"critics loved it ({meter}% on Rotten Tomatoes)", f"it has {meter}% with critics")
            ev.facts.append(Fact("critics", ways, 3.0 + (meter - HIGH_METER) / 10))
        elif isinstance(metacritic, int) and metacritic >= HIGH_METACRITIC:
            ways = (f"it scores {metacritic} on Metacritic", f"critics give it {metacritic} on Metacritic")
            ev.facts.append(Fact("critics", ways, 3.0))
        awards = str(meta.get("awards") or "")
        won = next((w for w in awards.split(".") if w.strip().startswith("Won")), "").strip()
        if "Oscar" in won:
            n = won.split()[1]
            oscars = "an Oscar" if n == "1" else f"{n} Oscars"
            ways = (f"it won {oscars}", f"it took home {oscars}")
            ev.facts.append(Fact("awards", ways, 4.0 + (n != "1")))
        elif awards.startswith("Nominated for") and "Oscar" in awards:
            n = awards.split()[2]
            ways = ("it was up for an Oscar" if n == "1" else f"it was nominated for {n} Oscars",)
            ev.facts.append(Fact("awards", ways, 3.2))

    def _basic(self, meta: Mapping[str, Any], state: DialogueState, ev: Evidence) -> None:
        """What the card says anyway: only when nothing better is known (and never a genre the
        user turned down). Beside a genre the user asked for, only the year and the credit."""
        ways: tuple[str, ...]
        avoided = {*state.dislikes.genres, *state.constraints.not_genres}
        year, g = meta.get("year"), genre_words([x for x in list_field(meta, "genres") if x not in avoided])
        credits = [(r, list_field(meta, r)[:1]) for r in ("directors", "authors", "creators")]
        role, who = next(((r, w) for r, w in credits if w), ("", []))
        credit = f"{self.wording.role(role)} {who[0]}" if who else ""
        ev.names.update(who)
        if any(f.kind in ("genre", "genre_like") for f in ev.facts) and credit:
            ways = (f"it is {credit}", f"it comes from {who[0]}")
            ev.facts.append(Fact("credit", ways, 1.0))
            return
        noun = " ".join(str(p) for p in (year, g, self.wording.noun) if p)
        kind = " ".join(p for p in (g, self.wording.noun) if p)
        ways = (
            f"it is {article(noun)} {credit}".strip(),
            f"this {noun} is {credit}" if credit else f"this is {article(noun)}",
        )
        if year:
            ways += (f"{article(kind)} from {year}" + (f", {credit}" if credit else ""),)
        ev.facts.append(Fact("basic", ways, 1.0))

    def evidence(self, item: Item, state: DialogueState) -> Evidence:
        """The catalog facts that connect ``item`` to what this user said, strongest first."""
        meta = item.metadata
        ev = Evidence(item, self.wording, names={item.title})
        if self.synopses is not None:
            ev.premise = premise(self.synopses.get(item.id))
        for liked_id in reversed(state.liked_ids[-5:]):
            if liked_id in self.catalog:
                self._from_liked(meta, {**self.catalog[liked_id], "_id": liked_id}, state, ev)
        self._stated(meta, state, ev)
        self._quality(meta, ev)
        if not any(f.taste for f in ev.facts):
            self._tie(state, ev)
        if sum(f.kind not in ("critics", "awards") for f in ev.facts) < 1 or len(ev.facts) < 2:
            self._basic(meta, state, ev)  # a reply says a score or award once: something else too
        ev.facts.sort(key=lambda f: (-f.taste, -f.weight))
        ev.likes, ev.liked_genres, ev.dislikes = tastes(state, self.catalog)
        return ev

    def _tie(self, state: DialogueState, ev: Evidence) -> None:
        """No catalog fact links the item to the user's taste, yet the ranking chose it for that
        taste: say so rather than leave the reason impersonal."""
        ways: tuple[str, ...]
        liked = [i for i in state.liked_ids if i in self.catalog][-1:]
        if liked:
            title = item_label(self.catalog[liked[0]])
            ways = (
                f"it is in the same vein as {title}",
                f"if you liked {title}, it should suit you",
                f"it comes close to {title}",
            )
            ev.names.add(str(self.catalog[liked[0]].get("title")))
            ev.related.append(self.catalog[liked[0]])
            ev.facts.append(Fact("match", ways, 2.0, taste=True))
        elif taste := [*state.likes.people, *state.likes.topics, *(g.lower() for g in state.likes.genres)]:
            ways = (
                f"it is the closest match I found to your taste for {taste[0]}",
                f"it suits your taste for {taste[0]} best of what I hold",
            )
            ev.names.update(state.likes.people[:1])
            ev.facts.append(Fact("match", ways, 2.0, taste=True))


def evidence(item: Item, state: DialogueState, catalog: Mapping[str, Mapping[str, Any]]) -> Evidence:
    """The evidence for one item with movie wording and no interactions (tests, one-offs)."""
    return Evidencer(catalog).evidence(item, state)
