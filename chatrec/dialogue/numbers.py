"""Durations, decades and constraint removals as people write them, in digits or in words.

"an hour and a half", "two and a half hours", "90 mins", "1h30", "at least two hours", "around
150 minutes"; "the eighties", "80s", "'90s", "the 2000s"; "forget the year limit", "any length is
fine". Everything returns plain numbers or field names; the caller decides what changes.
"""

from __future__ import annotations

import re

from chatrec.catalog.vocabulary import decades_in

WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "a": 1,
    "an": 1,
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
_NUM = r"\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, WORD_NUMBERS), key=len, reverse=True))
_UNIT = r"hours?|hrs?|h|minutes?|mins?|m"
DURATION = re.compile(
    rf"\b(?:(?P<half>half an? hour)|(?P<n>{_NUM})(?P<and_half>\s+and\s+a\s+half)?\s*-?\s*"
    rf"(?P<unit>{_UNIT})(?![a-z])"
    rf"(?:\s*(?P<extra>\d\d)\b(?:\s*(?:m|mins?|minutes?)\b)?)?(?P<tail_half>\s+and\s+a\s+half)?)",
    re.I,
)
# The words before a duration that make it a bound; tried in this order ("no longer than" first).
BOUNDS = [
    ("max_strict", re.compile(r"\b(?:under|less than|shorter than|below|not even)\s*$", re.I)),
    (
        "max",
        re.compile(
            r"\b(?:at most|(?:no|not|nothing) longer than|(?:no|not|nothing) more than|(?:nothing|not) over|"
            r"max(?:imum)?|within|up to|tops|or less|or shorter)\s*$",
            re.I,
        ),
    ),
    ("min", re.compile(r"\b(?:at least|over|more than|longer than|minimum|min|upwards of)\s*$", re.I)),
    ("approx", re.compile(r"\b(?:around|about|roughly|approximately|approx|~|some|like)\s*$", re.I)),
]
AFTER_MAX = re.compile(r"^\s*(?:or less|or shorter|max(?:imum)?|tops|at most)\b", re.I)
AFTER_MIN = re.compile(r"^\s*(?:or more|or longer|plus|at least|minimum)\b|^\+", re.I)
APPROX_SHARE = 0.15  # "around two hours" allows 102-138 minutes
REMOVE = {
    ("year_from", "year_to"): re.compile(
        r"\b(?:forget|drop|remove|ignore|no|never ?mind|scrap|lose|clear)\b[^.!?]{0,20}"
        r"\b(?:years?|decades?|era|dates?)\b"
        r"(?: (?:limit|filter|constraint|thing|range))?|\bany (?:year|decade|era)\b|\b(?:years?|decade|era) "
        r"(?:doesn'?t|does not|don'?t) matter\b",
        re.I,
    ),
    ("max_runtime", "min_runtime"): re.compile(
        r"\b(?:forget|drop|remove|ignore|no|never ?mind|scrap|clear)\b[^.!?]{0,20}"
        r"\b(?:length|runtime|time limit|duration)\b|\bany (?:length|runtime|duration)\b|"
        r"\b(?:length|runtime) (?:doesn'?t|does not|don'?t) matter\b",
        re.I,
    ),
}


def _amount(raw: str) -> float:
    raw = raw.casefold()
    return float(WORD_NUMBERS[raw]) if raw in WORD_NUMBERS else float(raw)


def minutes_of(match: re.Match[str]) -> int:
    """The minutes one DURATION match says."""
    if match.group("half"):
        return 30
    number = _amount(match.group("n"))
    if match.group("and_half") or match.group("tail_half"):
        number += 0.5
    hours = match.group("unit").casefold().startswith("h")
    minutes = number * 60 if hours else number
    if hours and match.group("extra"):
        minutes += int(match.group("extra"))
    return round(minutes)


def runtime_bounds(text: str) -> dict[str, int]:
    """``{"max_runtime": m}``, ``{"min_runtime": m}`` or both, for the durations a text states.

    Durations of a film only: a number of minutes under 20 or above 400 is not a film's length
    ("in 5 minutes").
    """
    found: dict[str, int] = {}
    normalised = re.sub(r"\b(an?\s+)?hour and a half\b", "1.5 hours", text, flags=re.I)
    for match in DURATION.finditer(normalised):
        minutes = minutes_of(match)
        if not 20 <= minutes <= 400:
            continue
        before, after = normalised[: match.start()], normalised[match.end() :]
        kind = next((k for k, p in BOUNDS if p.search(before[-25:])), None)
        if kind is None:
            kind = "max" if AFTER_MAX.search(after) else "min" if AFTER_MIN.search(after) else "approx"
        if kind == "max_strict":
            found["max_runtime"] = minutes - 1
        elif kind == "max":
            found["max_runtime"] = minutes
        elif kind == "min":
            found["min_runtime"] = minutes
        else:
            found["min_runtime"] = round(minutes * (1 - APPROX_SHARE))
            found["max_runtime"] = round(minutes * (1 + APPROX_SHARE))
    return found


def decades(text: str) -> tuple[int, ...]:
    """Decade start years named in digits ("80s", "1990s") or words ("the eighties")."""
    found = list(decades_in(text))
    for word, year in DECADE_WORDS.items():
        if re.search(rf"\b{word}\b", text, re.I):
            found.append(year)
    return tuple(dict.fromkeys(found))


def removals(text: str) -> list[str]:
    """Constraint fields a message lifts ("forget the year limit", "any length is fine")."""
    return [f for fields, pattern in REMOVE.items() if pattern.search(text) for f in fields]


_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = [
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SMALL = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: i + 10 for i, w in enumerate(_TEENS)}
_TENS_VALUE = {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_TWO_DIGITS = rf"(?:(?:{'|'.join(_TENS)})(?:[ -](?:{'|'.join(_UNITS)}))?|{'|'.join(_TEENS)})"
SPELLED_YEAR = re.compile(
    rf"\b(?:(?P<century>nineteen|twenty)[ -](?P<rest>{_TWO_DIGITS})"
    rf"|two thousand(?:(?: and)? (?P<after>{_TWO_DIGITS}|{'|'.join(_UNITS)}))?)\b",
    re.I,
)


def _two_digits(words: str) -> int:
    first, *rest = re.split(r"[ -]", words.lower())
    return _SMALL[first] if first in _SMALL else _TENS_VALUE[first] + sum(_SMALL[p] for p in rest)


def spelled_years(text: str) -> str:
    """Years written in words as digits: "nineteen ninety" -> 1990, "nineteen eighty-five" -> 1985,
    "two thousand and ten" -> 2010, "twenty twelve" -> 2012 (so every year rule reads them)."""

    def digits(match: re.Match[str]) -> str:
        if century := match["century"]:
            return str((19 if century.lower() == "nineteen" else 20) * 100 + _two_digits(match["rest"]))
        return str(2000 + (_two_digits(match["after"]) if match["after"] else 0))

    return SPELLED_YEAR.sub(digits, text)


NEWER = re.compile(r"\b(?:newer|more recent|(?:less|not as|not so) old)\b", re.I)
OLDER = re.compile(r"\b(?:older|less recent|(?:not as|not so) new)\b", re.I)


def relative_years(text: str, liked: list[object]) -> dict[str, int]:
    """ "Something newer" than the films the user liked (``liked``: their years): after the newest
    of them; "older": before the oldest. Nothing when they liked no dated film."""
    liked_years = [y for y in liked if isinstance(y, int)]
    if not liked_years:
        return {}
    if NEWER.search(text):
        return {"year_from": max(liked_years) + 1}
    return {"year_to": min(liked_years) - 1} if OLDER.search(text) else {}


LIST_MARKER = re.compile(r"(?:(?<=\s)|(?<=:)|^)(\d{1,2})[.)](?=\s)")


def unnumbered(text: str) -> str:
    """A numbered list ("i like: 1. toy story 2. finding nemo 3. up") as a comma list, so "toy story
    2" is not read as the sequel. Only markers that count up from 1 are taken as a list."""
    markers = list(LIST_MARKER.finditer(text))
    numbers = [int(m.group(1)) for m in markers]
    if len(numbers) < 2 or numbers != list(range(1, len(numbers) + 1)):
        return text
    for i, m in reversed(list(enumerate(markers))):
        text = f"{text[: m.start()].rstrip()}{',' if i else ''}{text[m.end() :]}"
    return text.strip()
