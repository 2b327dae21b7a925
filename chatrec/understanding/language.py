"""Whether a message is in a language the reader does not handle (it reads English).

Asked of every message, but answered "foreign" only with confidence, so a film title in another
language or a French word in an English sentence changes nothing. A script other than Latin (Chinese,
Cyrillic, Arabic...) is read off the characters; a Latin-script message is detected with
``langdetect`` (Google's language-detection profiles, offline, seeded so it always answers the
same), and only when it is long enough for the detector to be right and its words are not the
words people used in ReDial's English dialogues: on a short text ("hmm not sure", "lol ok") the
detector guesses, and a guess must not tell an English speaker they wrote French.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import cache

MIN_WORDS = 4  # shorter Latin-script texts are not detected: too few letters for the profiles
SURE = 0.95  # the detector's probability for a language other than English
KNOWN_SHARE = 0.5  # a message with at least this share of words from English chat is English
WORD = re.compile(r"[^\W\d_]+")


@cache
def _detector() -> object:
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0  # the detector samples: seeded, it answers the same every time
    return DetectorFactory


def foreign(text: str, english_words: Collection[str]) -> bool:
    """Whether ``text`` is, with confidence, not English; ``english_words`` are words of English
    chat (the reader's vocabulary)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    if latin < len(letters) / 2:
        return True
    words = [w.casefold() for w in WORD.findall(text)]
    if len(words) < MIN_WORDS or sum(w in english_words for w in words) >= KNOWN_SHARE * len(words):
        return False
    _detector()
    from langdetect import detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return False
    return best.lang != "en" and best.prob >= SURE
