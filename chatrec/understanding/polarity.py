"""What a message says about each thing it names: liked, disliked, seen, or asked about.

The scope of a cue is the clause around the mention: sentences and contrasts ("but", "though")
end it, so "I loved Heat but Ronin was boring" likes one and dislikes the other, while a list
("I liked Heat, Ronin and Collateral") shares its cue. Negative words win over positive ones in
the same clause ("didn't like" contains "like"); "seen it" alone is seen, not liked; "haven't
seen" or "have you seen" is a question, not a taste. A bare mention ("something like Heat",
"Heat!") is a like, which is what people mean when they name a film to a recommender.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Polarity = Literal["liked", "disliked", "seen", "asked"]

CLAUSE_END = re.compile(r"[.!?;]+(?:\s|$)|\b(?:but|however|though|although|whereas|except)\b", re.I)
# Cues that rule out what follows them: after a mention they speak of another thing ("light and
# funny, nothing with adam sandler"), unless what follows points back ("heat? nothing like it").
_FORWARD = r"nothing (?:like|by|from|with)|no (?:more )?(?:\w+ )?by|anything but"
NEGATIVE = re.compile(
    r"\b(?:hat(?:e|ed|es)|dislik(?:e|ed|es)|detest(?:ed)?|loathe[d]?|can'?t stand|cannot stand|"
    r"could ?n'?t stand|(?:did|do|does|could|would|was|were|is|are)(?: ?n[o']?t|n't) "
    r"(?:really |much |even |quite )?"
    r"(?:like|love|enjoy|care (?:much |too much )?for|get into|impress|good|great|funny|fun|that good|"
    r"very good|worth)|"
    r"(?:not|never|wasn'?t|isn'?t) (?:really |much |a |at all |very |even |that )*"
    r"(?:big |huge |the biggest )?"
    r"(?:fan|into|my (?:thing|cup of tea|type|style)|for me|good|great|funny|worth)|"
    r"boring|bored|overrated|over-rated|never again|awful|terrible|horrible|worst|sucked|sucks|"
    r"dis+ap+oint\w*|let ?down|meh|stupid|dumb|lame|waste of time|not impressed|not interested|"
    r"not sure about|"
    r"least favou?rite|not something|pass on|skip(?:ped)?|could ?n'?t (?:watch|finish|get into)|"
    r"(?:losing|lost) interest|"
    r"no (?:thx|thanks|thank you|ty)|"
    r"(?:too|a (?:bit|little)(?: too)?) (?:slow|long|scary|gory|violent|silly|cheesy|sappy|dark|young|weird|"
    r"predictable|confusing|sad|depressing|creepy|much)|bad|don'?t want|do not want|no more|"
    rf"{_FORWARD}|(?<!never get )tired of|sick of|"
    r"fell asleep|turned it off|walked out|hated it|(?:wasn'?t|not) (?:a )?fan|over ?rated|a bit much|"
    r"not (?:my|really my) (?:speed|favou?rite|genre)|not (?:really |normally |usually )?(?:up for|into)|"
    r"(?:wasn'?t|isn'?t|not) (?:as|that|very|so) (?:good|great|funny)(?! as)|to+ (?:kiddie|childish|much)|"
    r"does ?n[o']?t include)\b",
    re.I,
)
POSITIVE = re.compile(
    r"\b(?:lov(?:e|ed|es|ing)|lik(?:e|ed|es)|enjoy(?:ed|s)?|adore[ds]?|favou?rites?|fan of|great|awesome|"
    r"amazing|fantastic|excellent|brilliant|classic|good|best|fun|funny|hilarious|cool|wonderful|beautiful|"
    r"masterpiece|blast|into|similar|reminds?|dig|fond)\b",
    re.I,
)
UNSEEN = re.compile(
    r"\b(?:have ?n[o']?t|has ?n[o']?t|never|not yet|did ?n[o']?t|didn'?t get to|yet to|haven'?t yet) "
    r"(?:\w+ ){0,2}(?:seen|watched|saw|see|watch)\b|"
    r"\b(?:have|did) you (?:\w+ ){0,2}(?:seen|watched|saw|see)\b|"
    r"\bheard (?:of|about|good things)\b|\bwant(?:ed)? to (?:see|watch)\b|"
    r"\bis (?:it|that) (?:good|any good)\b|\bon my (?:list|watchlist)\b",
    re.I,
)
SEEN = re.compile(
    r"\b(?:seen|watched|saw|already|see(?:n)? (?:it|that)|own it"
    r"|(?:twice|a million|\d+|so many|too many) times|\d+x|rewatch\w*)\b",
    re.I,
)
# Right before the mention, across clause ends: "all of those except John Wick", "but not Ted",
# "something not like Twilight", "not with Meg Ryan", "not his war films", "anything but war
# films", "an action movie without Tom Cruise or Brad Pitt" (these words exclude only what
# follows them: the action movie is still wanted), "my least favourite movies are It".
EXCLUDED = re.compile(
    r"(?:\bexcept(?: for)?|\bwithout|\bother than|\bbesides|\b(?:anything|everything|all) but|"
    r"\bnot(?: (?:even|so much|really|stuff|anything|something|things|movies|films|"
    r"ones|that's|that is|quite))*(?: (?:like|similar to|with|by|from|starring|featuring))?|"
    r"\bleast favou?rite(?: \w+){0,2} (?:is|are|was|were))"
    r"(?: (?:his|her|their|any|the))?(?:\W|\b(?:or|and|nor)\b)*$",
    re.I,
)
SEEN_BUT_NOT = re.compile(r"\b(?:seen|saw|watched)\b[^.!?;]*\b(?:but not|just not|except(?: for)?)\W*$", re.I)
# after the mention only: "X wasn't as good as Y" (before it, "not as good as X" praises X)
WORSE = re.compile(r"\b(?:wasn'?t|isn'?t|not) (?:as|so) (?:good|great|funny) as\b", re.I)
NOT_BAD = re.compile(r"\b(?:not|(?:is|was|were|are)n'?t) (?:too |that |so )?bad\b", re.I)
# "movies like X" compares, it does not like: only other cues decide ("I don't like movies like X")
COMPARISON = re.compile(
    r"\b(?:movies?|films?|shows?|stuff|something|anything|ones?|things?|type|kind|too \w+) like$", re.I
)
ANAPHOR = re.compile(r"\b(?:it|that|this one|that one|those|them)\b", re.I)
FORWARD = re.compile(rf"\b(?:{_FORWARD})\b", re.I)
BACK = re.compile(r"[^\w\0]*(?:of )?(?:it|that|this|those|them|these)\b|[^\w\0]*$", re.I)


def clause(text: str, start: int, end: int) -> tuple[str, str]:
    """The words of the clause around ``text[start:end]``, before and after it."""
    left = 0
    for match in CLAUSE_END.finditer(text, 0, start):
        left = match.end()
    right = len(text)
    if after := CLAUSE_END.search(text, end):
        right = after.start()
    return text[left:start], text[end:right]


def _short_next_clause(text: str, end: int) -> str:
    """The clause right after the mention's own, when the mention ends its clause and the next
    one, with no other title in it, is a short comment (four words at most) or says "it" / "that
    one" within eight ("I've seen Panic Room, but I didn't like it")."""
    match = CLAUSE_END.search(text, end)
    if not match or text[end : match.start()].strip(" \t\"'”),") or "\0" in text[match.end() :]:
        return ""
    rest = text[match.end() :]
    nxt = CLAUSE_END.search(rest)
    follow = rest[: nxt.start()] if nxt else rest
    words = len(follow.split())
    return follow if words <= 4 or (words <= 8 and ANAPHOR.search(follow)) else ""


def _cues(kind: str, pattern: re.Pattern[str], before: str, after: str) -> list[tuple[int, str, int, int]]:
    """(distance to the mention, kind, span in the window) of every cue; before-spans are negative."""
    found = [
        (len(before) - m.end(), kind, m.start() - len(before), m.end() - len(before))
        for m in pattern.finditer(before)
    ]
    return found + [(m.start(), kind, m.start(), m.end()) for m in pattern.finditer(after)]


LIST_GLUE = re.compile(r"\s*(?:,|&|/|,?\s*(?:and|or|nor))?\s*(?:the\s+|a\s+|an\s+)?", re.I)
PRIORITY = {"disliked": 0, "asked": 1, "liked": 2}


def _good(match: re.Match[str]) -> str:
    """ "not bad" as a positive word of the same length (offsets hold)."""
    return "good".ljust(len(match.group()))


def _forward(after: str, cue: tuple[int, str, int, int]) -> bool:
    """Whether a cue after the mention rules out what follows it, not the mention ("crime or
    mystery, but nothing from the 2020s")."""
    return bool(FORWARD.fullmatch(after[cue[2] : cue[3]])) and not BACK.match(after[cue[3] :])


def polarity(text: str, start: int, end: int, *, others: Sequence[tuple[int, int]] = ()) -> Polarity:
    """What the message says about the thing named at ``text[start:end]``: the nearest cue in
    its clause decides (a negative one wins a tie and hides a positive word inside it, as in
    "didn't like"); with no cue, "seen" alone is seen and anything else is a like.

    ``others`` are the spans of the other titles in the message, masked so that their words
    ("Good Will Hunting", "Love Actually") are not read as cues; a cue after the next title
    belongs to that title.
    """
    masked = list(text.replace("’", "'"))
    for s, e in others:
        masked[s:e] = "\0" * (e - s)
    text = "".join(masked)
    before, whole = clause(text, start, end)
    before, after = before[-80:], whole[:80].split("\0", 1)[0]
    if (last := before.rfind("\0")) >= 0 and not LIST_GLUE.fullmatch(before[last + 1 :]):
        before = before[last + 1 :]  # "nothing by Agatha Christie please, a mystery": not glued
    before = before.replace("\0", " ")
    before, after = NOT_BAD.sub(_good, before), NOT_BAD.sub(_good, after)
    cues = [
        *[c for c in _cues("disliked", NEGATIVE, before, after) if c[2] < 0 or not _forward(whole, c)],
        *_cues("disliked", WORSE, "", after),
        *_cues("asked", UNSEEN, before, after),
        *[
            c
            for c in _cues("liked", POSITIVE, before, after)
            if c[3] > 0 or not COMPARISON.search(before[: len(before) + c[3]])
        ],
    ]
    prior = text[max(0, start - 60) : start].replace("\0", " ")
    if EXCLUDED.search(prior):  # "I saw Taken but not Taken 2" is not having seen it
        cues.append((0, "asked" if SEEN_BUT_NOT.search(prior) else "disliked", 0, 0))
    strong = [c for c in cues if c[1] != "liked"]
    cues = [c for c in cues if c[1] != "liked" or not any(s[2] < c[3] and c[2] < s[3] for s in strong)]
    if not cues and (follow := _short_next_clause(text, end)):  # "Avatar? never again"
        cues = [c for c in _cues("disliked", NEGATIVE, "", follow) if not _forward(follow, c)]
    if cues:
        return min(cues, key=lambda c: (c[0], PRIORITY[c[1]]))[1]  # type: ignore[return-value]
    return "seen" if SEEN.search(f"{before} {after}") else "liked"
