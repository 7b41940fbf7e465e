"""Prompts live as files in `prompts/`, one file per prompt, as named templates.

A file is a list of chat messages, each opened by a line `### system`, `### user` or `### assistant`
(few-shot examples are user/assistant pairs). Placeholders are `{name}`; literal braces are `{{ }}`.
Each prompt declares the placeholders it needs and they are checked when it is loaded, so a typo in a
template fails at start-up, not in the middle of an answer."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

# `prompts/` ships as package data (a package of its own), so a non-editable install finds it too.
PROMPTS_DIR = Path(str(files("prompts")))
_HEADER = re.compile(r"^### (system|user|assistant)\s*$", re.MULTILINE)


class PromptError(ValueError):
    pass


@dataclass(frozen=True)
class Prompt:
    name: str
    messages: tuple[tuple[str, str], ...]
    placeholders: frozenset[str]

    def render(self, **values: str) -> list[dict[str, str]]:
        missing = self.placeholders - values.keys()
        extra = values.keys() - self.placeholders
        if missing or extra:
            raise PromptError(f"prompt {self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        return [{"role": role, "content": text.format(**values)} for role, text in self.messages]


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def parse_prompt(name: str, raw: str) -> Prompt:
    parts = _HEADER.split(raw)
    if len(parts) < 3 or parts[0].strip():
        raise PromptError(f"prompt {name}: must start with a '### system' or '### user' line")
    messages = tuple((parts[i], parts[i + 1].strip("\n")) for i in range(1, len(parts), 2))
    found: set[str] = set()
    for _, text in messages:
        found |= _placeholders(text)
    return Prompt(name=name, messages=messages, placeholders=frozenset(found))


@lru_cache(maxsize=None)
def load_prompt(name: str, required: frozenset[str] = frozenset(), directory: Path = PROMPTS_DIR) -> Prompt:
    """Load `prompts/<name>.md` and check that its placeholders are exactly `required`."""
    path = directory / f"{name}.md"
    if not path.is_file():
        raise PromptError(f"prompt file missing: {path}")
    prompt = parse_prompt(name, path.read_text(encoding="utf-8"))
    if prompt.placeholders != required:
        raise PromptError(
            f"prompt {name}: placeholders {sorted(prompt.placeholders)} != expected {sorted(required)}"
        )
    return prompt
