"""What a message does, read in the context of the last cards: dialogue acts.

A message is one or more acts: a ``request`` (new or refining), a ``question`` about a shown card
or a named film, ``feedback`` on a card or a named film, a ``correction`` of what was said, or
``chitchat``. The cards give the context: "the middle one", "the 2nd", "that last one", a (misspelt)
title of a card, or "it" point at one, and a question about it is answered rather than met with
new cards. The patterns are the words people use; they were written from the README's examples
and ReDial train, and are measured on ``chatrec eval dialogue`` (part of it kept unseen).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz

from chatrec.catalog.titles import normalise_title
from chatrec.understanding.lexicon import POSITIONS
from chatrec.understanding.polarity import SEEN as CARD_SEEN
from chatrec.understanding.polarity import UNSEEN

Act = Literal["request", "question", "feedback", "correction", "chitchat"]
Question = Literal["cast", "director", "story", "runtime", "year", "rating", "genre", "suitability", "why"]
CardSaid = Literal["liked", "disliked", "seen"]

_ONE = r"(?:one|film|movie|flick|pick|suggestion|option|rec|title|card)s?"
POSITION = re.compile(
    r"(?:\b(?:the|that|this|ur|your|da|tha)\s+(?P<a>"
    + "|".join(re.escape(p) for p in POSITIONS if not p.startswith("#"))
    + rf")\b(?:\s+{_ONE}\b)?"
    + r"|(?<![\w#])(?P<b>#[123]|(?:number|no\.?|option|nr)\s*[123])\b"
    + rf"|\b(?P<c>1st|2nd|3rd|first|second|third|middle|last)\s+{_ONE}\b)",
    re.I,
)
PRONOUN = re.compile(
    r"\b(?:it|its|it's|thats|that one|this one|that film|that movie|this film|this movie)\b", re.I
)

_PLACE = r"the (?:first|second|third|1st|2nd|3rd|middle|last|other) one"  # a card by its place
# A verdict, not a question of genre: "inception was great, similar?"
_PRAISE = r"(?:great|good|amazing|awesome|brilliant|incredible|fantastic|excellent|so good|the best|perfect)"
QUESTIONS: dict[Question, re.Pattern[str]] = {
    "why": re.compile(r"\bwhy\b|\bwhat made you\b|\bhow come\b", re.I),
    "suitability": re.compile(
        r"\b(?:ok|okay|good|fine|safe|suitable|appropriate|alright|right)\s+(?:for|with)\s+(?:(?:my|the|a|our)\s+)?"
        r"(?:\d+\s*(?:yo|year|yr)|kids?|children|little|family|teens?|date|daughter|son|nephew|niece|grandma|mum|mom"
        r"|parents?|mom|dad|younger)|\bkid[- ]?friendly\b|\bfamily[- ]?friendly\b|\bfor (?:little )?kids\b"
        r"|\b(?:can|could) (?:my|the) (?:kids?|children|son|daughter|mum|mom|dad|parents|grandma"
        r"|grandad)\b|\btoo (?:violent|scary|mature|intense|much) for\b"
        r"|\bhow (?:graphic|violent|gory|bloody|scary|intense|dark)\b"
        r"|\b(?:is|was) (?:it|that) (?:\w+ )?(?:violent|graphic|gory|bloody)\b",
        re.I,
    ),
    "cast": re.compile(
        r"\bwho(?:'?s| is| are)? (?:in|starr?ing|stars|plays|acts)\b|\bwho(?:'?s| is)? (?:the )?(?:lead"
        r"|star)\b"
        r"|\bcast\b|\bactors?\b|\bactress(?:es)?\b|\bstarr?ing\b|\banyone (?:famous|i know)\b|\bwho plays\b"
        r"|\b(?:is|was) (?:it |that )?with [a-z]+\b[^.!]*\?|\bthe (?:one|version) with\b"
        r"|\bthe [a-z]+ [a-z]+ one\b|\b(?:has|with|got) [a-z]+ [a-z]+(?: in it| too| right)\b"
        r"|\b(?:is|was|are|were) [a-z]+(?: [a-z.]+)? in (?:it|that|this)\b",
        re.I,
    ),
    "director": re.compile(
        r"\bwho (?:directed|made|did)\b|(?<!that )\bdirector\b|\bdirected\b|\bwho(?:'?s| is) (?:it )?by\b"
        r"|\bdid [a-z]+(?: [a-z]+)? direct\b"
        r"|\bfilmmaker\b",
        re.I,
    ),
    "runtime": re.compile(
        r"\b(?:is|isnt|isn't|like|about|over|almost|nearly)\s+(?:it |that )?(?:like |about |over |almost )?"
        r"\d+(?:\.\d+)?\s*(?:hrs?|hours?|h|mins?|minutes)\b|\bhow long\b|\brun ?time\b|\blength\b"
        r"|\bhow many (?:minutes|hours)\b|\b(?:is|was) (?:it|that|this)"
        r"(?: one)? (?:too |very |really )?(?:long|short)\b|\blong is\b",
        re.I,
    ),
    "year": re.compile(
        r"\bwhen (?:was|did|is)\b|\bwhat year\b|\bhow old\b|\bwhich year\b|\b(?:is|was) (?:it"
        r"|that) (?:new|old|recent)\b"
        r"|\bcame out\b|\breleased?\b",
        re.I,
    ),
    "rating": re.compile(r"\brated\b|\brating\b|\bmpaa\b|\bpg-?13\b|\bage rating\b", re.I),
    "story": re.compile(
        r"\bwhat(?:'?s| is| was)? (?:the )?(?:plot|story|storyline|premise|synopsis|gist)\b"
        r"|\b(?:plot|story|storyline|premise|synopsis|summary)(?: pls| please| plz)?\s*\?"
        r"|\bis (?:it|that) (?:any )?good\b|\bwhat happens\b|\btell me (?:more|something)\b"
        r"|\bmore info\b|\bdescribe (?:it|that)\b"
        rf"|\bwhat(?:'?s| is| was) (?:it|that|{_PLACE})(?: \w+)? about\b|\babout\s*\?"
        r"|\b(?:is|was) (?:it|that) about\b|\bwhat(?:'?s| is) the deal\b|\bany good\?",
        re.I,
    ),
    "genre": re.compile(
        rf"\bit(?:'s| is| was) (?:a |an |too |very |really |super |kinda |actually )?(?!like\b|{_PRAISE}\b)"
        r"\w+[^.!?]*\?"
        r"|\b(?:that'?s|thats|it'?s|its) an? \w+ (?:movie|film|flick)\b[^.!]*(?:\?|\bright\b)"
        r"|\bwhat (?:kind|genre|sort|type)\b"
        rf"|\b(?:is|was|isnt|isn't) (?:it|that|this|{_PLACE})(?: one)?\s+"
        r"(?:a |an |too |very |really |super |kinda )?(?!like\b)\w+",
        re.I,
    ),
}
QUESTION_WORDS = re.compile(
    r"\?|(?:^|[,:;]|\bit)\s*(?:is|was|does|did|can|could|are|any idea|remind me)\s+(?:it|that|this|the"
    r"|there)\b"
    r"|(?:^|[,:;.!]\s*)(?:is|was|does|did|can|could|are|any idea|remind me)\b"
    r"|\b(?:who|whos|who's|whats|what's|what (?:is|was|year|kind|genre)|when|why|how (?:long|old|many)"
    r"|which)\b"
    r"|\b(?:tell me|wondering|curious|do you know)\b|\bisn'?t (?:it|that)\b|\bright\s*\??\s*$",
    re.I,
)
CARD_LIKED = re.compile(
    r"\b(?:lov(?:e|ed|ing)|i like|liked|enjoy(?:ed)?|ador(?:e|ed)|favou?rite|fav|favs|faves?|great|awesome"
    r"|amazing|fantastic|brilliant|classic|one of my fav\w*|so good|sooo+ good)\b",
    re.I,
)
CARD_DISLIKED = re.compile(
    r"\bnot (?:that|this|the \w+) one\b|^\s*(?:no|nah|nope),? not (?:that|this|it)\b|\bnot (?:my|for me)\b"
    r"|\bhat(?:e|ed)\b|\bdislik(?:e|ed)\b|\b(?:did|do|does)(?:n'?t| not) (?:like|love|enjoy)\b|\bboring\b"
    r"|\bmeh\b|\bnot a fan\b|\bnot into\b|\bskip\b|\bpass on\b|\bno thanks\b|\bnot interested\b|\bawful\b"
    r"|\bterrible\b|\bwasn'?t (?:great|good|for me|my thing)\b|\bnot my (?:thing|cup|type|style)\b|\bdrop\b"
    r"|\btoo (?:cheesy|slow|dark|violent|scary|sad|weird|silly|long|old|much)\b"
    r"|\b(?:sounds?|looks?|seems?) (?:kinda |really |so |too |a bit )?(?:depressing|boring|awful|bad"
    r"|dumb|slow|sad)\b",
    re.I,
)
CORRECTION = re.compile(
    r"\b(?:sorry|oops|whoops|my bad|i meant|i mean(?! it\b| that\b| this\b)|meant to say|no wait|wait,? no"
    r"|no,? no"
    r"|wait,? actually|changed my mind"
    r"|correction|scratch that|meant|misclick\w*|make that|mixed (?:them|those|it) up"
    r"|i said|typo|not \w+,? i said)\b",
    re.I,
)
# Words that carry no request, question or verdict: a message (or its opening or closing clause)
# made only of these is chit-chat ("lol ok", "thanks, thats all for now", "good morning!").
CHAT_WORDS = frozenset(
    """hi hello hey heya hiya howdy yo sup good morning afternoon evening night there whats_up
    thanks thank thx ty tysm cheers bye goodbye see ya you u so much a lot lots again in advance great
    cool nice awesome perfect ok okay k kk lol lmao haha hahaha hehe hmm hmmm hm um umm uh sure alright
    got it sounds will do wow neat yay oh ah ooh oooh worries how are r doing gn np one brb
    picks suggestions recs thats that's all for now man dude mate buddy bot chatrec
    glad helpful very really super aw aww omg yes yeah yep indeed right fair enough fine well
    these those look looks seem seems lemme let me think thinking ill i'll
    today everything help later""".split()  # noqa: SIM905
)
META_QUESTION = re.compile(
    r"\bhow (?:does|do) (?:this|it|you) work\b|\bwhat can (?:you|u) do\b|\bwho are (?:you|u)\b"
    r"|\bare (?:you|u) (?:a )?(?:bot|human|ai)\b|\bdo i just tell (?:you|u)\b"
    r"|\b(?:your|ur) (?:own )?fav(?:ou?rite)?s?\b|\b(?:what'?s|whats|what is) (?:your|ur) name\b"
    r"|\b(?:you'?re|youre|ur|u r) (?:good|great|bad) at\b",
    re.I,
)
ALL_SEEN = re.compile(
    r"\b(?:seen|watched|saw)\s+(?:all\s+)?(?:those|them|these|em|'em|(?:all )?(?:3|three)|of them|of those"
    r"|all|every one)\b",
    re.I,
)
ALL_CARDS = re.compile(
    r"\b(?:all (?:3|three)|these|those|all of them)\s+(?:are|were|look|seem)\b"
    r"|\b(?:love|loved|like|liked|hate|hated) (?:those|them|these|all (?:3|three|of them))\b",
    re.I,
)
FIRST_N = re.compile(r"\b(?:the )?first (two|2)\b|\b(?:the )?(?:last|other) (two|2)\b", re.I)
# A sentence about the film asked of, not a wish: "the poster looks kinda funny", "no spoilers pls".
IMPRESSION = re.compile(
    r"\b(?:looks?|sounds?|seems?|heard|poster|trailer|reviews?|spoilers?|remember|i think|i thought)\b", re.I
)
# A pick made from the cards ("the middle one it is", "gonna watch the first one tonight"): a
# choice, not a request for more.
CHOSEN = re.compile(
    r"\b(?:(?:the \w+|that|this) one|that|this|it) it is\b"
    r"|\b(?:gonna|going to|will|i'?ll|ill) (?:watch|go with|try|pick|start with)"
    r" (?:the \w+ one|that one|this one|it)\b",
    re.I,
)
SENTENCE = re.compile(r"[^.!?;]+[.!?;]*")
REQUEST_WORDS = re.compile(
    r"\b(?:recommend\w*|suggest\w*|something|somethin|smth|sth|anything|any\b|some\b|more|else|another|others?"
    r"|show me|give me|gimme|looking for|look for|want|need|in the mood|how about|what about|ideas?|options?"
    r"|similar|(?:something|anything|more|films?|movies?|ones?|stuff|kinda|kind of|others?) like"
    r"|(?<!n't )(?<!nt )(?<!not )like (?:that|this|those|them)|instead|next|find|have you got|watch|pick"
    r"|recs?|rather|prefer|only)\b",
    re.I,
)


@dataclass
class CardReference:
    """A shown card (or the film in focus) the message points at, and how."""

    item_id: str
    start: int  # where the reference stands in the message (-1: by pronoun only)
    end: int
    how: Literal["title", "position", "pronoun"]


def card_reference(
    text: str, last_shown: Sequence[str], shown: Sequence[str], focus: str | None, titles: Mapping[str, Any]
) -> CardReference | None:
    """The card ``text`` points at: by (possibly misspelt) title first, then by place in the last
    list, then by "it"/"that one" (the film in focus, else the first card). ``titles`` maps an id to
    its title."""
    folded = normalise_title(text)
    for item_id in [*last_shown, *(s for s in reversed(shown) if s not in last_shown)]:
        title = normalise_title(str(titles.get(item_id, "")))
        if not title:
            continue
        if at := re.search(rf"\b{re.escape(title)}\b", folded):
            return CardReference(item_id, at.start(), at.end(), "title")
        if item_id in last_shown and len(title) >= 6 and fuzz.partial_ratio(title, folded) >= 86:
            return CardReference(item_id, -1, -1, "title")
    if last_shown and (match := POSITION.search(text)):
        word = (match.group("a") or match.group("b") or match.group("c")).casefold()
        digit = re.search(r"[123]", word)
        index = int(digit.group()) - 1 if digit and not word[0].isdigit() else POSITIONS.get(word, 0)
        if word == "middle" and len(last_shown) != 3:
            index = len(last_shown) // 2
        if -len(last_shown) <= index < len(last_shown):
            return CardReference(last_shown[index], match.start(), match.end(), "position")
    if (focus or last_shown) and (match := PRONOUN.search(text)):
        return CardReference(focus or last_shown[0], match.start(), match.end(), "pronoun")
    return None


def question_kind(text: str) -> Question | None:
    """The kind of question ``text`` asks about a film, if it asks one."""
    if not QUESTION_WORDS.search(text) and not re.search(
        r"\b(?:about|plot|cast|director|runtime)\b", text, re.I
    ):
        return None
    return next((kind for kind, pattern in QUESTIONS.items() if pattern.search(text)), None)


def card_feedback(text: str, ref: CardReference) -> CardSaid | None:
    """What the message says of the card it points at: seen, liked, disliked, or nothing ("looks
    fun" is interest, not a verdict). Read in the clause around the reference."""
    if ref.start < 0:
        clause = text
    else:
        parts = re.split(r"[.!?;]+|\bbut\b", text)
        offset, clause = 0, text
        for part in parts:
            at = text.find(part, offset)
            if at <= ref.start <= at + len(part):
                clause = part
                break
            offset = at + len(part)
    if UNSEEN.search(clause):
        return None
    if ref.how != "pronoun" and not VERDICT_WORDS.search(clause):  # "X traumatised me. not that one"
        clause = " ".join(s for _, s in sentences(text) if PRONOUN.search(s)) or clause
    if CARD_DISLIKED.search(clause):
        return "disliked"
    if CARD_LIKED.search(clause) and re.search(
        r"\b(?:lov|lik|enjoy|ador|fav|seen|saw|watched)", clause, re.I
    ):
        return "liked"
    if CARD_SEEN.search(clause):
        return "seen"
    return None


VERDICT_WORDS = re.compile(f"{CARD_LIKED.pattern}|{CARD_DISLIKED.pattern}|{CARD_SEEN.pattern}", re.I)


def is_chitchat(text: str) -> bool:
    """Whether the whole message is chit-chat: only chat words, or a question about chatrec itself."""
    folded = re.sub(r"\bwhat'?s+ up\b", "whats_up", text.casefold())
    words = [re.sub(r"(\w)\1{2,}", r"\1", w) for w in re.findall(r"[\w']+", folded)]  # "heyyy"
    return bool(META_QUESTION.search(text)) or (bool(words) and all(w in CHAT_WORDS for w in words))


SOCIAL = re.compile(
    r"^(?:hi+|hey+|hello+|heya|hiya|howdy|yo|sup|morning|evening|afternoon|thanks|thank|thx|ty|tysm|cheers"
    r"|bye|lol|lmao|haha\w*|hehe)$"
)


def chitchat_around(text: str) -> bool:
    """Whether the message, beside what else it does, greets, thanks or laughs in a clause of its
    own ("hi there, ...", "lol ok. ...", "... cool thx. ...") or opens with a greeting ("hiii can u
    find me ..."). "ok cool." alone is an acknowledgement, not chit-chat."""
    clauses = [c for c in re.split(r"[,.!?;:]+", text) if c.strip()]
    if len(clauses) < 2 and not re.match(
        r"\s*(?:hi+|hey+|hello+|heya|hiya|yo|morning|evening)\b", text, re.I
    ):
        return False
    if re.match(r"\s*(?:hi+|hey+|hello+|heya|hiya|yo)\s+\w", text, re.I):
        return True
    for clause in clauses:
        words = [re.sub(r"(\w)\1{2,}", r"\1", w) for w in re.findall(r"[\w']+", clause.casefold())]
        if words and is_chitchat(clause) and any(SOCIAL.match(w) for w in words):
            return True
    return False


def sentences(text: str) -> list[tuple[int, str]]:
    """The message's sentences with their offsets."""
    return [(m.start(), m.group()) for m in SENTENCE.finditer(text) if m.group().strip()]


def all_cards(text: str, last_shown: Sequence[str]) -> list[str]:
    """Cards meant together: "seen those", "seen all 3", "the first two"."""
    if not last_shown:
        return []
    if ALL_SEEN.search(text) or ALL_CARDS.search(text):
        return list(last_shown)
    if match := FIRST_N.search(text):
        return list(last_shown[:2]) if "first" in match.group().casefold() else list(last_shown[-2:])
    return []


def one_and_the_others(text: str, last_shown: Sequence[str]) -> tuple[str, str, list[str], str] | None:
    """ "liked the middle one, didnt like the other two": (the card, the words about it, the
    other cards, the words about them), split at the clause that turns to the others."""
    match = FIRST_N.search(text)
    if not match or "other" not in match.group().casefold() or len(last_shown) != 3:
        return None
    cut = max((m.end() for m in re.finditer(r"[,;.!?]|\b(?:and|but)\b", text[: match.start()])), default=0)
    ref = card_reference(text[:cut], last_shown, [], None, {})
    if ref is None or ref.how != "position":
        return None
    others = [i for i in last_shown if i != ref.item_id]
    return ref.item_id, text[:cut], others, text[cut:]


def is_correction(text: str) -> bool:
    return bool(CORRECTION.search(text))


def asks_for_films(text: str) -> bool:
    """Whether ``text`` has the words of a request ("anything newer?", "more like that")."""
    return bool(REQUEST_WORDS.search(text))
