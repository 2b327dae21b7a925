"""The words people use for numbers, decades, positions, negation, time and mood: one copy.

The reader (durations, years, "the middle one", "nothing too sad") and the claim checker (which
must recognise the same words in a reason: "the eighties", "two hours") both read these tables,
so a word learned for one is known to the other.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
DECADE_WORDS = {
    "twenties": 1920,
    "thirties": 1930,
    "forties": 1940,
    "fifties": 1950,
    "sixties": 1960,
    "seventies": 1970,
    "eighties": 1980,
    "nineties": 1990,
    "noughties": 2000,
    "two thousands": 2000,
}
RATINGS = ["G", "PG", "PG-13", "R", "NC-17"]

# A card's place in the last list: "the middle one", "the 2nd", "that last one", "#3".
POSITIONS = {
    "first": 0,
    "1st": 0,
    "#1": 0,
    "top": 0,
    "second": 1,
    "2nd": 1,
    "#2": 1,
    "middle": 1,
    "third": 2,
    "3rd": 2,
    "#3": 2,
    "last": -1,
    "final": -1,
    "bottom": -1,
}

# Words that rule out what follows them ("no horror", "anything but war films", "nothing with zombies")
EXCLUDING = (
    r"\b(?:no|not|without|nothing(?: with)?|avoid|hate|no more|enough(?: of)?|don'?t want|except|other than"
    r"|(?:any|every)thing but)"
)

# "something newer", "older ones": relative to the films the person liked.
NEWER = re.compile(r"\b(?:newer|more recent|(?:less|not as|not so) old)\b", re.I)
OLDER = re.compile(r"\b(?:older|less recent|(?:not as|not so) new)\b", re.I)

# Moods people ask for or rule out, by the words they use. A mood is not a genre: "scary",
# "funny" and "romantic" name catalog genres (chatrec.catalog.vocabulary); these do not.
MOODS: dict[str, tuple[str, ...]] = {
    "sad": (
        "sad",
        "sadder",
        "saddest",
        "depressing",
        "tearjerker",
        "tear-jerker",
        "heartbreaking",
        "bleak",
        "a downer",
        "heavy",
        "melancholy",
        "melancholic",
        "crying",
        "weepy",
    ),
    "uplifting": ("uplifting", "inspiring", "inspirational", "hopeful", "heartwarming", "heart-warming"),
    "feel-good": ("feel good", "feel-good", "feelgood", "cheerful", "happy", "wholesome", "cozy", "cosy"),
    "dark": ("dark", "darker", "darkest", "grim", "gritty", "disturbing", "bleak", "bleakest"),
    "light": (
        "light",
        "lighter",
        "lighthearted",
        "light-hearted",
        "easy going",
        "easygoing",
        "breezy",
        "fluffy",
    ),
    "gory": ("gory", "gore", "bloody", "gruesome", "violent", "graphic"),
    "confusing": ("confusing", "complicated", "convoluted", "hard to follow", "complex"),
    "slow": ("slow", "slower", "slow-paced", "slow paced", "slow burn", "slow-burn"),
    "fast-paced": ("fast-paced", "fast paced", "fast", "action packed", "action-packed", "pacy", "snappy"),
    "mind-bending": (
        "mind-bending",
        "mind bending",
        "mindbending",
        "mind-bendy",
        "mind bendy",
        "mind-blowing",
        "mind blowing",
        "trippy",
    ),
    "tense": (
        "tense",
        "intense",
        "suspenseful",
        "edge of my seat",
        "edge of your seat",
        "nail-biting",
        "gripping",
    ),
}
# "nothing too sad", "not too gory", "less confusing", "without the gore", "isn't slow"
MOOD_NEGATION = re.compile(
    r"\b(?:no|not|nothing|nothin|none|never|less|without|avoid|isn'?t|aren'?t|wasn'?t|don'?t want"
    r"|hates?|hated|can'?t stand|cannot stand|dislikes?|(?:doesn'?t|don'?t|does not|do not) (?:like|do)"
    r"|not in the mood for|(?:don'?t|do not) feel like"
    r"|(?:any|every)thing but|too)\b(?:\s+(?:too|so|very|that|overly|super|really|a|the|anything|something"
    r"|it|as|of|to|be|all|much|with|needs?|should))*\s*$",
    re.I,
)
# Moods said as a comparison with a liked film ("like Inception but less confusing"): "less" rules
# out; "more"/"-er" asks for it. "too" after a verb is a complaint ("it was too slow"), also a "not".
MOOD_PATTERN = re.compile(
    r"(?<![\w-])("
    + "|".join(sorted({re.escape(w) for ws in MOODS.values() for w in ws}, key=len, reverse=True))
    + r")(?![\w-])",
    re.I,
)


def moods_in(text: str) -> tuple[list[str], list[str]]:
    """The moods ``text`` wishes for and the ones it rules out, each once, in the order said.

    "nothing too sad" rules out sad; "a feel good movie" wishes feel-good; "light" needs company
    ("something light", "light and fun") since it is also a plain word ("in light of").
    """
    wished: list[str] = []
    avoided: list[str] = []
    for match in MOOD_PATTERN.finditer(text):
        word = match.group(1).casefold()
        before = text[: match.start()]
        if word == "light" and not re.search(
            r"\b(?:something|somethin|sth|smth|a|more|keep it|bit|and|,)\s*$", before, re.I
        ):
            continue
        if word in ("fast", "heavy", "complex", "happy", "graphic") and not re.search(
            r"\b(?:something|too|not|nothing|a|more|less|bit|and)\s*(?:\w+\s+)?$", before, re.I
        ):
            continue
        if re.search(
            r"\b(?:i'?m|i am|im|feeling|feel|i was|made me|makes me|got me)\s+(?:so |really |a bit "
            r"|kinda )?$",
            before,
            re.I,
        ):
            continue  # the person's own mood ("im sad today"), not one asked of a film
        if re.search(r"\b(?:sounds?|looks?|seems?)\s+(?:so |really |kinda |a bit )?$", before, re.I):
            continue  # an impression of a film shown ("sounds depressing"), a verdict on it
        mood = next(m for m, words in MOODS.items() if word in words)
        tail = before[-40:]
        clause = re.split(r"[,.;!?]|\bbut\b|\band\b(?! not)", tail)[-1]
        (avoided if MOOD_NEGATION.search(clause) else wished).append(mood)
    avoided = list(dict.fromkeys(avoided))
    return [m for m in dict.fromkeys(wished) if m not in avoided], avoided
