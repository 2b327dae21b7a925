"""The rule tables of the reader: cue words, intents and number patterns, in one place.

:mod:`chatrec.dialogue.understand` applies them; they live here so the reader reads top-down
and a cue word is defined once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "an": 1, "a": 1, "half": 0.5}
RATINGS = ["G", "PG", "PG-13", "R", "NC-17"]
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}
POSITIVE = re.compile(
    r"\b(lov(e|ed)|lik(e|ed)|enjoy(ed)?|fan of|favou?rite|similar to|reminds? me of|adored?)\b"
)
NEGATIVE = re.compile(
    r"\b(hat(e|ed)|dislik(e|ed)|(did ?n[o']?t|do ?n[o']?t|not) (like|enjoy|love)|not a fan|boring|awful|"
    r"terrible|can'?t stand|no more)\b"
)
CUE = re.compile(
    r"\b(?:like|loved?|liked|enjoyed|than|watched|seen|hated?|as|about)\s+[\"“']?([^,.!?;\"”]+)", re.I
)
GREETING = re.compile(
    r"^\s*(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|yo)\b[\s!.,]*(there)?[\s!.,]*$", re.I
)
THANKS = re.compile(r"^\s*(thanks?( you)?|thx|cheers|bye|goodbye|great|cool|ok(ay)?)\b[\s!.,]*$", re.I)
WHY = re.compile(r"\bwhy\b.*\b(suggest|recommend|pick|choose|chose|show)|\bwhy\b", re.I)
MORE = re.compile(
    r"^\s*(show me |give me |any )?(some )?(more|others|other ones|another( one)?|something else|next)\b",
    re.I,
)
NOT_THAT = re.compile(
    r"\bnot (that|this) one\b|^\s*no,? not (that|this|it)\b|\bnot (the )?(first|second|third|last) one\b",
    re.I,
)
SEEN = re.compile(
    r"\b(i'?ve|i have|already|i) (seen|watched|saw) (it|that|this|that one|this one|the \w+ one)\b|"
    r"^\s*(seen|watched|saw) (it|that|this|that one|this one|them)\b",
    re.I,
)
QUESTION = {
    "runtime": re.compile(
        r"\bhow long\b|\bruntime\b|\blength\b|\bminutes\b|"
        r"^\s*(is|was) (it|that|this|the \w+ one) (too )?(long|short)\b",
        re.I,
    ),
    "directors": re.compile(r"\bwho directed\b|\bdirector\b", re.I),
    "cast": re.compile(r"\bwho (is|'s) in\b|\bwho stars\b|\bcast\b|\bactors?\b|\bstarring\b", re.I),
    "year": re.compile(r"\bwhen\b.*\b(made|released|out)\b|\bwhat year\b", re.I),
    "rating": re.compile(r"\bwhat(?: is|'s)? (it|that|\w+) rated\b|\brating\b|\brated\b", re.I),
    # "is the second one scary?": a yes/no question about a shown film is answered with its genres
    "genres": re.compile(
        r"\bwhat (kind|genre|sort)\b|^\s*(is|was) (it|that|this|the \w+ one)\b.*\?\s*$", re.I
    ),
    "about": re.compile(
        r"\b(tell me (more )?about|more about|what(?: is|'s) (it|that|\w+) about|info on)\b", re.I
    ),
}

# Words that rule out what follows them ("no horror", "anything but war films", "nothing with zombies")
EXCLUDING = (
    r"\b(?:no|not|without|nothing(?: with)?|avoid|hate|no more|don'?t want|except|other than"
    r"|(?:any|every)thing but)"
)
NEGATED = re.compile(rf"{EXCLUDING}\s+(?:any |more |too |his |her |their |the )?([\w-]+)", re.I)
RUNTIME = re.compile(
    r"\b(under|less than|shorter than|below|at most|no longer than|max(?:imum)?|within|not more than|up to)"
    r"\s+"
    r"(\d+(?:\.\d+)?|one|two|three|four|an|a|half)\s*(?:and a half\s*)?-?\s*(hours?|hrs?|h|minutes?|mins?)\b"
    r"(?:\s*and a half)?",
    re.I,
)
LANGUAGE = re.compile(r"\bin ([A-Z]\w+)\b|\b([A-Z]\w+) (?:films?|movies?|cinema|[a-z][a-z-]+)\b")
YEAR = r"((?:19|20)\d\d)"
NOTHING = r"(?:nothing|no(?: \w+)?|not|none)"
YEAR_BOUNDS: list[tuple[re.Pattern[str], Callable[..., dict[str, int]]]] = [
    (
        re.compile(rf"\b{NOTHING} (?:before|older than|earlier than|prior to) {YEAR}\b", re.I),
        lambda y: {"year_from": y},
    ),
    (re.compile(rf"\b{NOTHING} (?:after|newer than|later than) {YEAR}\b", re.I), lambda y: {"year_to": y}),
    (
        re.compile(rf"\bbetween {YEAR} and {YEAR}\b", re.I),
        lambda a, b: {"year_from": min(a, b), "year_to": max(a, b)},
    ),
    (
        re.compile(rf"\b(?:before|pre-?|earlier than|older than) ?{YEAR}\b", re.I),
        lambda y: {"year_to": y - 1},
    ),
    (re.compile(rf"\b(?:until|up to|through|no later than) {YEAR}\b", re.I), lambda y: {"year_to": y}),
    (
        re.compile(rf"\b(?:after|newer than|later than|post-?) ?{YEAR}\b", re.I),
        lambda y: {"year_from": y + 1},
    ),
    (
        re.compile(
            rf"\b(?:since|from) {YEAR} (?:on|onwards?)\b|\b{YEAR} or (?:later|newer)\b|\bsince {YEAR}\b", re.I
        ),
        lambda y: {"year_from": y},
    ),
    (
        re.compile(rf"\b(?:in|from) {YEAR}\b(?! (?:on|onwards?|or))", re.I),
        lambda y: {"year_from": y, "year_to": y},
    ),
]

# Title spotting (chatrec.dialogue.mentions): words before / after a span that make it a title,
# and words too common to be a title on their own when the spotter has no statistics.
TITLE_CUES = frozenset(
    """like liked love loved loves enjoyed enjoy hated hate seen watched saw watch see than as about
    and or of also recommend recommended suggest favorite favourite favourites favorites fan
    try tried called movie movies film films watching titled named""".split()  # noqa: SIM905 (reads as prose)
)
AFTER_TITLE = frozenset(
    "is was and or movie movies film films series too franchise trilogy but were are has had".split()  # noqa: SIM905
)
DETERMINERS = frozenset({"a", "an", "my", "this", "some", "your", "any", "no", "that", "very", "so", "too"})
COMMON_WORDS = frozenset(
    """a an the and or but of in on at to for with is it its be i you me my we he she they this that
    what who how when where why all some any no not so do go up out one two love life time day night
    home man men girl boy good big last first new old little""".split()  # noqa: SIM905
)

# Words that name a film or the company, not what the film should be about: a topic cue inside
# them asks for no plot ("The Forest" mid-sentence; "to watch with my guy buddies").
ARTICLE_TITLE = re.compile(r"(?<=[a-z,;] )(?:The|A|An) [A-Z][\w'’]*(?: (?:of|the|and|in|[A-Z][\w'’]*))*")
COMPANY = re.compile(
    r"\b(?:with|for) (?:my|our|the|some) (?:[\w'’]+ )?(?:friends?|buddies|buddy|pals?|family|kids|children"
    r"|wife|husband|girlfriend|boyfriend|partner|parents|mom|dad|son|daughter|date|roommates?|coworkers?)\b",
    re.I,
)
