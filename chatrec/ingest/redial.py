"""ReDial dialogues -> turn-level samples, with targets linked to the catalog.

A sample is a recommender message that mentions at least one movie. Its context is every earlier
message (role + text, ``@id`` replaced by the movie's name) and nothing from the message itself or
later; its targets are the movies the message mentions that link to catalog items. ``dedup``
targets leave out movies already mentioned in the context.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from chatrec.catalog.interactions import MentionLinker
from chatrec.errors import SourceError

MENTION = re.compile(r"@(\d+)")
Split = Literal["all", "train", "val"]
VAL_SHARE = 5  # one dialogue in five, by a hash of its id, is held out for validation
CONTEXT_MESSAGES = 5  # how many recent messages make the query text


Role = Literal["seeker", "recommender"]


@dataclass(frozen=True)
class Message:
    role: Role
    text: str


@dataclass
class Sample:
    dialogue_id: str
    context: list[Message]
    context_ids: list[str]  # catalog ids mentioned in the context, in order of first mention
    targets: list[str]  # catalog ids the message mentions
    dedup_targets: list[str] = field(default_factory=list)


@dataclass
class LinkStats:
    mentions: int = 0
    linked: int = 0
    samples_without_target: int = 0


def split_of(dialogue_id: str) -> Literal["train", "val"]:
    """Deterministic split by dialogue: every message of a dialogue lands on the same side."""
    digest = int(hashlib.sha256(dialogue_id.encode()).hexdigest(), 16)
    return "val" if digest % VAL_SHARE == 0 else "train"


def read_dialogues(path: Path, *, split: Split = "all", limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Dialogues of a ReDial JSONL file, the first ``limit`` of the chosen split; a file that is
    not ReDial JSONL is a SourceError naming the first bad line."""
    if not path.is_file():
        raise SourceError(f"ReDial file not found: {path}")
    count = 0
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            dialogue = _dialogue(line, f"line {number} of {path}")
            if split != "all" and split_of(str(dialogue["conversationId"])) != split:
                continue
            yield dialogue
            count += 1
            if limit is not None and count >= limit:
                return


def _dialogue(line: bytes, where: str) -> dict[str, Any]:
    try:
        dialogue = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = f"not valid JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise SourceError(f"{where} is {reason}: the data must be ReDial-format JSONL") from None
    if not isinstance(dialogue, dict) or "conversationId" not in dialogue:
        raise SourceError(f"{where} is not a ReDial dialogue (a JSON object with a conversationId)")
    return dialogue


def _render(text: str, names: dict[str, str]) -> str:
    return MENTION.sub(lambda m: names.get(m.group(1), "a movie"), text)


def dialogue_samples(dialogue: dict[str, Any], linker: MentionLinker, stats: LinkStats) -> list[Sample]:
    """The samples of one dialogue (see the module docstring); mentions link through IMDb ids
    first, then title + year (``MentionLinker``)."""
    names = {k: (v or "").strip() for k, v in (dialogue.get("movieMentions") or {}).items()}

    def link(movie_id: str) -> str | None:
        return linker.link(movie_id, names.get(movie_id))

    seeker = dialogue.get("initiatorWorkerId")
    samples: list[Sample] = []
    context: list[Message] = []
    context_ids: list[str] = []
    for message in dialogue.get("messages", []):
        text = message.get("text", "")
        mentioned = list(dict.fromkeys(MENTION.findall(text)))
        role: Role = "seeker" if message.get("senderWorkerId") == seeker else "recommender"
        if role == "recommender" and mentioned:
            stats.mentions += len(mentioned)
            targets = [t for t in dict.fromkeys(link(m) for m in mentioned) if t]
            stats.linked += len(targets)
            if targets:
                seen = set(context_ids)
                samples.append(
                    Sample(
                        dialogue_id=str(dialogue.get("conversationId")),
                        context=list(context),
                        context_ids=list(context_ids),
                        targets=targets,
                        dedup_targets=[t for t in targets if t not in seen],
                    )
                )
            else:
                stats.samples_without_target += 1
        context.append(Message(role, _render(text, names)))
        context_ids += [i for m in mentioned if (i := link(m)) and i not in context_ids]
    return samples


def context_query(sample: Sample, last: int = CONTEXT_MESSAGES) -> str:
    """The recent conversation as query text, without speaker labels.

    Labels hurt: "Seeker:" pulls the film "The Seeker" into half of all top-10s.
    """
    return " ".join(m.text for m in sample.context[-last:])
