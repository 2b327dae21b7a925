"""LLM text is plain text: markup it writes is removed before it can reach any output.

The page escapes what it shows, but the API's ``reason`` and ``text`` go to clients that may not;
so ``<script>``, ``<img onerror=...>`` and every other tag are taken out where LLM text is accepted.
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
