"""Prompt templates kept as files, checked against the variables the chain supplies."""

from __future__ import annotations

import string
from importlib import resources

# Every prompt the chain uses, and exactly the variables it fills in.
EXPECTED: dict[str, frozenset[str]] = {
    "answer_zh": frozenset({"evidence", "question"}),
    "answer_en": frozenset({"evidence", "question"}),
    "condense": frozenset({"history", "question"}),
    "system": frozenset(),
}


class PromptError(ValueError):
    """A prompt file is missing or its variables do not match what the chain supplies."""


def variables(template: str) -> set[str]:
    """The {placeholders} used by a str.format template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_prompt(name: str) -> str:
    """The template text of ``prompts/<name>.txt``, verified against EXPECTED."""
    try:
        text = (resources.files("prompts") / f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptError(f"prompt file prompts/{name}.txt is missing") from exc
    expected = EXPECTED.get(name)
    found = variables(text)
    if expected is not None and found != expected:
        raise PromptError(
            f"prompts/{name}.txt uses {sorted(found)} but the chain supplies {sorted(expected)}"
        )
    return text


def render(name: str, **values: str) -> str:
    """Fill a prompt; a missing variable fails fast instead of sending a broken prompt."""
    template = load_prompt(name)
    missing = variables(template) - values.keys()
    if missing:
        raise PromptError(f"prompt {name} needs {sorted(missing)}")
    return template.format(**values)
