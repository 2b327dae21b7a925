"""The pieces title spotting works on: tokens with offsets, title keys, mentions, candidates, and
the statistics learned from ReDial's train dialogues (``models/chatrec-reader``)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from chatrec.catalog.titles import normalise_title
from chatrec.config import packaged_model


def default_model_dir() -> Path:
    """The shipped reader statistics (package data)."""
    return packaged_model("chatrec-reader")


@dataclass(frozen=True)
class Token:
    text: str  # ascii, lower case
    start: int  # character offsets in the original message
    end: int
    cased: bool  # starts with an upper-case letter in the original


def tokenize(text: str) -> list[Token]:
    """Lower-case ASCII alphanumeric runs with their offsets; ``&`` is the word "and" (as in
    :func:`normalise_title`, so token n-grams compare with normalised titles)."""
    tokens: list[Token] = []
    current: list[str] = []
    start = 0
    for index, char in enumerate(text + " "):
        folded = (
            "and" if char == "&" else unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        )
        folded = folded.casefold()
        if folded.isalnum() and char != "&":
            if not current:
                start = index
            current.append(folded)
            continue
        if current:
            tokens.append(Token("".join(current), start, index, text[start].isupper()))
            current = []
        if char == "&":
            tokens.append(Token("and", index, index + 1, False))
    return tokens


@dataclass(frozen=True)
class Mention:
    """A catalog item named in a message, with the characters that name it."""

    item_id: str
    start: int
    end: int
    key: str  # the normalised title that matched
    score: float


@dataclass
class Candidate:
    first: int  # token index
    size: int  # token count
    key: str
    fuzzy: bool = False


@dataclass
class ReaderStats:
    """What ReDial's train dialogues say about title strings and films (see module docstring)."""

    mention_counts: dict[str, int]  # normalised title -> times it was a film mention
    text_counts: dict[str, int]  # normalised title -> times the same words were plain text
    word_counts: dict[str, int]  # word -> frequency in plain text
    item_counts: dict[str, int]  # catalog id -> times people named the film
    aliases: dict[str, str]  # a normalised name people used -> catalog id
    weights: list[float]
    threshold: float
    scale: float = 1.0  # counts are per this many train dialogues' worth (cross-fitting)

    @classmethod
    def load(cls, directory: Path) -> ReaderStats | None:
        path = directory / "title_stats.json"
        if not path.is_file():
            return None
        return cls(**json.loads(path.read_text()))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "title_stats.json").write_text(json.dumps(self.__dict__, sort_keys=True) + "\n")


def title_keys(title: str) -> list[str]:
    """The normalised title, plus how people shorten it: without a subtitle after a colon (when
    two words or more remain) and with a possessive joined ("ocean s eleven" -> "oceans eleven")."""
    keys = [normalise_title(title)]
    head = title.split(":")[0]
    if head != title and len(normalise_title(head).split()) >= 2:
        keys.append(normalise_title(head))
    keys += [k.replace(" s ", "s ") for k in keys if " s " in k]
    return [k for k in dict.fromkeys(keys) if k]
