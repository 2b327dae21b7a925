"""Durations, decades and constraint removals as people write them, in digits or in words.

"an hour and a half", "two and a half hours", "90 mins", "1h30", "at least two hours", "around
150 minutes"; "the eighties", "80s", "'90s", "the 2000s"; "forget the year limit", "any length is
fine". Everything returns plain numbers or field names; the caller decides what changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chatrec.catalog.vocabulary import decades_in
from chatrec.understanding.lexicon import DECADE_WORDS, NEWER, NUMBER_WORDS, OLDER, RATINGS

_NUM = r"\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True))
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
    ("approx", re.compile(r"\b(?:around|about|roughly|approximately|approx|~|ish)\s*$", re.I)),
    ("max", re.compile(r"\bmake (?:that|it)\s*$", re.I)),
]
AFTER_MAX = re.compile(r"^\s*(?:or less|or shorter|max(?:imum)?|tops|at most)\b", re.I)
AFTER_MIN = re.compile(r"^\s*(?:or more|or longer|plus|at least|minimum)\b|^\+", re.I)
# Lengths said without a number: "something short" is at most 100 minutes, "not too long" 120.
VAGUE_RUNTIMES = [
    (
        re.compile(
            r"\b(?:something|somethin|sth) short\b|\ba short (?:film|movie|one)\b|\bshort ones?\b", re.I
        ),
        {"max_runtime": 100},
    ),
    (re.compile(r"\b(?:nothing|not|isn'?t) (?:too|that|very|super) long\b", re.I), {"max_runtime": 120}),
]
APPROX_SHARE = 0.15
# "80 min is too short, i meant under 100": a bound without its unit, when the message names one
UNIT = re.compile(r"\b\d+\s*(?:min|mins|minutes|h|hrs?|hours?)\b", re.I)
UNITLESS_MAX = re.compile(
    r"\b(under|less than|below|at most|max|no more than|up to)\s+(\d{2,3})\b(?!\s*(?:s\b|%|min|h))", re.I
)  # "around two hours" allows 102-138 minutes
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
    return float(NUMBER_WORDS[raw]) if raw in NUMBER_WORDS else float(raw)


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
    bare: dict[str, int] = {}  # lengths said with no bound: only when no bound is said
    normalised = re.sub(r"\b(an?\s+)?hour and a half\b", "1.5 hours", text, flags=re.I)
    for match in DURATION.finditer(normalised):
        minutes = minutes_of(match)
        if minutes > 400 or (minutes < 20 and not BOUNDS[0][1].search(normalised[: match.start()][-25:])):
            continue  # not a film's length ("in 5 minutes"), unless asked as a limit ("under 5 minutes")
        before, after = normalised[: match.start()], normalised[match.end() :]
        kind = "max" if AFTER_MAX.search(after) else "min" if AFTER_MIN.search(after) else None
        kind = next((k for k, p in BOUNDS if p.search(before[-25:])), None) if kind is None else kind
        if kind is None and re.search(r"\b(?:for|in|spend|spent|next|like)\s*$", before[-12:], re.I):
            continue  # no limit: "i want to be confused for 2 hours", "isn't it like 3 hours"

        if kind == "max_strict":
            found["max_runtime"] = minutes - 1
        elif kind == "max":
            found["max_runtime"] = minutes
        elif kind == "min":
            found["min_runtime"] = minutes
        elif kind == "approx":
            found["min_runtime"] = round(minutes * (1 - APPROX_SHARE))
            found["max_runtime"] = round(minutes * (1 + APPROX_SHARE))
        else:
            bare = {
                "min_runtime": round(minutes * (1 - APPROX_SHARE)),
                "max_runtime": round(minutes * (1 + APPROX_SHARE)),
            }
    if not found and UNIT.search(text) and (unitless := UNITLESS_MAX.search(text)):
        strict = unitless.group(1).casefold() in ("under", "less than", "below")
        found["max_runtime"] = int(unitless.group(2)) - strict
    if not found:
        found = bare or next((v for words, v in VAGUE_RUNTIMES if words.search(text)), {})
    return found


# "not the 90s", "not just the 70s": a decade ruled out is no range asked for
NOT_DECADE = re.compile(
    r"\b(?:not|no|nothing from)(?: just| only| really)?(?: the| from the| in the)?\s*$", re.I
)
OPEN_DECADE = re.compile(
    r"^\W{0,3}\s*(?:or|and) (?:later|newer|after|up|onwards?|more recent)\b|^\s*onwards?\b", re.I
)
CLOSED_DECADE = re.compile(r"^\W{0,3}\s*or (?:earlier|older|before)\b", re.I)
DECADE_SPAN = re.compile(
    r"(?<!\w)(?:(?:1[89]|20)\d0|'?\d0)'?s\b|\b(?:"
    + "|".join(sorted(DECADE_WORDS, key=len, reverse=True))
    + r")\b",
    re.I,
)


def decades(text: str) -> tuple[int, ...]:
    """Decade start years named in digits ("80s", "1990s") or words ("the eighties"), except
    those ruled out ("80s not 90s")."""
    found = []
    for match in DECADE_SPAN.finditer(text):
        if NOT_DECADE.search(text[max(0, match.start() - 25) : match.start()]):
            continue
        word = match.group().casefold()
        found += [DECADE_WORDS[word]] if word in DECADE_WORDS else list(decades_in(match.group()))
    return tuple(dict.fromkeys(found))


def decade_range(text: str) -> dict[str, int]:
    """The year range the decades of ``text`` say: "the 70s" 1970-1979, "the 80s or 90s"
    1980-1999, "90s or later" from 1990, "80s or earlier" to 1989."""
    named = decades(text)
    if not named:
        return {}
    last = list(DECADE_SPAN.finditer(text))[-1]
    after = text[last.end() :]
    if OPEN_DECADE.search(after):
        return {"year_from": min(named)}
    if CLOSED_DECADE.search(after):
        return {"year_to": max(named) + 9}
    return {"year_from": min(named), "year_to": max(named) + 9}


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


# A year people may ask for, the catalog's or not ("between 1850 and 1860" is answered, not
# dropped); "the year 3000" as well.
YEAR = r"((?:1[89]|20)\d\d)"
NOTHING = r"(?:nothing|no(?: \w+)?|not|none)"
# Year bounds people state, tried in this order; a matched bound is blanked before the next is
# tried ("nothing before 2012" is not also "before 2012").
YEAR_BOUNDS: list[tuple[re.Pattern[str], Callable[..., dict[str, int]]]] = [
    (
        re.compile(rf"\b{NOTHING} (?:from )?(?:before|older than|earlier than|prior to) {YEAR}\b", re.I),
        lambda y: {"year_from": y},
    ),
    (
        re.compile(rf"\b{NOTHING} (?:from )?(?:after|newer than|later than) {YEAR}\b", re.I),
        lambda y: {"year_to": y},
    ),
    (
        re.compile(
            rf"\bbetween {YEAR} and {YEAR}\b|\b{YEAR} ?(?:-|–|to|till|until) ?{YEAR}\b"
            rf"|\b(?:in|from|of) {YEAR} (?:or|and|&) {YEAR}\b",
            re.I,
        ),
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
            rf"\b(?:since|from) {YEAR} (?:on|onwards?)\b|\b{YEAR} or (?:later|newer|after)\b|\bsince {YEAR}\b"
            rf"|\b{YEAR} (?:and|or) (?:up|on|onwards?|newer|later)\b|\b{YEAR}\+|\b{YEAR},? onwards?\b",
            re.I,
        ),
        lambda y: {"year_from": y},
    ),
    (
        re.compile(rf"\b(?:in|from|of) {YEAR}\b(?! (?:on|onwards?|or|and))", re.I),
        lambda y: {"year_from": y, "year_to": y},
    ),
    (re.compile(r"\b(?:the )?year ([1-3]\d\d\d)\b", re.I), lambda y: {"year_from": y, "year_to": y}),
]
LANGUAGE = re.compile(r"\bin ([A-Z]\w+)\b|\b([A-Z]\w+) (?:films?|movies?|cinema|[a-z][a-z-]+)\b")
RATING = re.compile(r"\b(G|PG|PG-13|R|NC-17)\b(?!-)")


# A year of the person's life, not of the films: "i was born in 1990", "married in 2005"
PERSONAL_YEAR = re.compile(
    r"\b(?:born|married|graduated|grew up|moved|since i was|when i was|as a kid"
    r"|met)\b[^.!?;]{0,20}?\b(?:in )?((?:19|20)\d\d)\b",
    re.I,
)


def year_bounds(text: str, liked_years: Sequence[object] = ()) -> dict[str, int | None]:
    """The year range ``text`` sets: decades ("the 70s"), bounds ("nothing before 2012", "between
    1990 and 1995"), spelled years; "newer" / "older" than the liked films only when no year is
    said (an explicit year beats a relative word), and "any year" lifts both."""
    text = PERSONAL_YEAR.sub(lambda m: " " * len(m.group()), text)
    found: dict[str, int | None] = dict(decade_range(text))
    rest = spelled_years(text)
    for pattern, bound in YEAR_BOUNDS:
        if match := pattern.search(rest):
            found |= bound(*(int(g) for g in match.groups() if g and g.isdigit()))
            rest = rest[: match.start()] + " " + rest[match.end() :]
    if not found:
        found |= relative_years(text, list(liked_years))
    return found


def constraints_in(
    text: str, liked_years: Sequence[object] = (), languages: Mapping[str, str] | None = None
) -> tuple[dict[str, object], list[str]]:
    """Every hard constraint a message states, read once: years, runtime, rating, language; and
    the fields it lifts ("forget the year limit"). ``languages`` maps a folded language name to the
    catalog's spelling."""
    found: dict[str, object] = dict(year_bounds(text, liked_years))
    found |= runtime_bounds(text)
    if match := RATING.search(text):
        found["ratings"] = RATINGS[: RATINGS.index(match.group(1)) + 1]
    known = languages or {}
    named = [w for pair in LANGUAGE.findall(text) for w in pair if w]
    chosen = [known[w.casefold()] for w in named if w.casefold() in known]
    if re.search(r"\bno subtitles\b", text, re.I) and "english" in known:
        chosen.append(known["english"])
    if chosen:
        found["languages"] = list(dict.fromkeys(chosen))
    return found, [f for f in removals(text) if f not in found]


SHORTEST_FILM = 20  # minutes: below this a "film" in the catalog is a short or a data error


def out_of_reach(constraints: dict[str, Any], years: tuple[int, int] | None) -> dict[str, str]:
    """Asks no film of the catalog can meet ("between 1850 and 1860", "from the year 3000", "under
    5 minutes"), taken out of ``constraints`` and returned to be said back with what the catalog
    spans: applied, they would empty every turn; dropped, the person would never know why."""
    impossible = {}
    low, high = constraints.get("year_from"), constraints.get("year_to")
    if years and ((isinstance(low, int) and low > years[1]) or (isinstance(high, int) and high < years[0])):
        impossible["years"] = f"{low}" if low == high else f"{low or '…'}–{high or '…'}"
        for key in ("year_from", "year_to"):
            constraints.pop(key, None)
    longest = constraints.get("max_runtime")
    if isinstance(longest, int) and longest < SHORTEST_FILM:
        impossible["runtime"] = str(longest + 1)
        constraints.pop("max_runtime", None)
    return impossible


# "meant 2005 not 2015", "1989 exactly": a bare year that corrects one said before
YEAR_FOR_YEAR = re.compile(rf"\b{YEAR}\s*,?\s*(?:not|instead of|rather than)\s+{YEAR}\b", re.I)
EXACT_YEAR = re.compile(rf"\b{YEAR},? exactly\b|\bexactly (?:in )?{YEAR}\b", re.I)


def corrected_years(text: str, year_from: int | None, year_to: int | None) -> dict[str, int]:
    """The year bounds a correction with bare years sets: "meant 2005 not 2015" moves each bound
    that was 2015 to 2005 (the one year, when neither was), "1989 exactly" asks for that year."""
    if match := YEAR_FOR_YEAR.search(text):
        new, old = int(match.group(1)), int(match.group(2))
        moved = {k: new for k, v in (("year_from", year_from), ("year_to", year_to)) if v == old}
        return moved or {"year_from": new, "year_to": new}
    if match := EXACT_YEAR.search(text):
        year = int(match.group(1) or match.group(2))
        return {"year_from": year, "year_to": year}
    return {}
