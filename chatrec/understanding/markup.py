"""Text is plain text: markup is read as the words it shows, never as anything else.

LLM text: the page escapes what it shows, but the API's ``reason`` and ``text`` go to clients that
may not; so ``<script>``, ``<img onerror=...>`` and every other tag are taken out where LLM text is
accepted (:func:`strip_markup`). A person's message: a link or an image is read as its text's
context, not as a title ("[click](https://...)" likes no film called *Click*; :func:`read_as_text`).
"""

from __future__ import annotations

import html
import re

# Elements whose content is code, not words: dropped whole.
CODE = re.compile(r"<\s*(script|style|iframe|object|template)\b.*?(?:<\s*/\s*\1\s*>|$)", re.I | re.S)
COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
# Any tag, closed or cut off at the end of the text.
TAG = re.compile(r"<\s*/?\s*[a-z!?][^>]*(?:>|$)", re.I)


def strip_markup(text: str) -> str:
    """``text`` with no HTML left: entities decoded, code elements and tags removed, and any stray
    angle bracket dropped, so no reading of the result as HTML can run anything."""
    plain = html.unescape(text)
    for pattern in (CODE, COMMENT, TAG):
        plain = pattern.sub(" ", plain)
    return " ".join(plain.replace("<", " ").replace(">", " ").split())


MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)


def read_as_text(text: str) -> tuple[str, list[tuple[int, int]]]:
    """A message with its markup as words: images, URLs and tags gone, a link as its text; and
    the spans of those link texts in the result, where no title may be read."""
    plain = MD_IMAGE.sub(" ", text)
    spans: list[tuple[int, int]] = []
    out, last = [], 0
    for match in MD_LINK.finditer(plain):
        out.append(plain[last : match.start()])
        start = sum(map(len, out))
        out.append(match.group(1))
        spans.append((start, start + len(match.group(1))))
        last = match.end()
    out.append(plain[last:])
    plain = "".join(out)
    # tags and URLs keep their length in spaces, so the link spans still hold
    for pattern in (CODE, COMMENT, TAG, URL):
        plain = pattern.sub(lambda m: " " * len(m.group()), plain)
    return plain, spans
