"""Prompt templates and fixed replies, kept as package data in ``chatrec/prompts/`` (linked from the
repository's top-level ``prompts/``) and loaded by name, so an installed wheel finds them too."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from chatrec.errors import ConfigError

PROMPTS_DIR = files("chatrec") / "prompts"


@cache
def prompt(name: str) -> str:
    """The template ``prompts/{name}.txt``; fill it with ``str.format``."""
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        raise ConfigError(f"prompt template missing: {path}") from None


@cache
def replies() -> dict[str, str]:
    """The fixed replies of ``prompts/replies.toml``, by name."""
    path = PROMPTS_DIR / "replies.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def reply(name: str, **values: object) -> str:
    return replies()[name].format(**values)
