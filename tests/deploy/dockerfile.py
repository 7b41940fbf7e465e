"""A small reader for the repository's Dockerfile and .dockerignore (enough for the deploy tests:
instructions per stage, exec-form arguments, flags, and Docker's ignore-file matching)."""
from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
COMPOSE = REPO / "compose.yaml"


@dataclass
class Instruction:
    keyword: str
    value: str
    line: int

    def flags(self) -> dict[str, str]:
        """Leading `--name=value` flags (COPY --from=build, HEALTHCHECK --interval=60s, ...)."""
        out = {}
        for word in shlex.split(self.value):
            if not word.startswith("--"):
                break
            name, _, val = word[2:].partition("=")
            out[name] = val
        return out

    def args(self) -> list[str]:
        """The arguments after the flags: the JSON array of the exec form, or shell words."""
        rest = re.sub(r"^(\s*--\S+\s+)*", "", self.value).strip()
        if self.keyword == "HEALTHCHECK":
            rest = re.sub(r"^CMD\s+", "", rest)
        if rest.startswith("["):
            return json.loads(rest)
        return shlex.split(rest)


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for ins in self.all("ENV"):
            for word in shlex.split(ins.value):
                key, _, val = word.partition("=")
                values[key] = val
        return values


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: comments and blank lines dropped, `\\` continuations joined."""
    out: list[Instruction] = []
    buf, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() and not buf:
            continue
        if line.lstrip().startswith("#"):
            continue  # comments, also between continued lines (Docker drops those too)
        if not buf:
            start, line = n, line.lstrip()
        if line.endswith("\\"):
            buf += line[:-1]
            continue
        buf += line
        keyword, _, value = buf.partition(" ")
        out.append(Instruction(keyword.upper(), value.strip(), start))
        buf = ""
    return out


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    args: dict[str, str] = {}
    result: list[Stage] = []
    for ins in instructions(path.read_text()):
        if ins.keyword == "ARG" and not result:
            key, _, val = ins.value.partition("=")
            args[key] = val
        elif ins.keyword == "FROM":
            words = ins.value.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            result.append(Stage(base, name))
        elif result:
            result[-1].instructions.append(ins)
    return result


# ---- .dockerignore ---------------------------------------------------------------------------------
def ignore_rules(path: Path = DOCKERIGNORE) -> list[tuple[bool, str]]:
    """(excludes, pattern) in file order; `!pattern` re-includes."""
    rules = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:] if negate else line
        rules.append((not negate, pattern.strip("/")))
    return rules


def _match(pattern: str, path: str) -> bool:
    if pattern.startswith("**/"):
        rest = pattern[3:]
        parts = path.split("/")
        return any(fnmatch.fnmatchcase("/".join(parts[i:]), rest) for i in range(len(parts)))
    return fnmatch.fnmatchcase(path, pattern)


def ignored(relpath: str, rules: list[tuple[bool, str]] | None = None) -> bool:
    """Whether Docker leaves `relpath` (relative to the context) out: a path is out when it, or a
    folder above it, matches an exclude pattern that no later `!` pattern undoes."""
    rules = ignore_rules() if rules is None else rules
    parts = relpath.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    out = False
    for excludes, pattern in rules:
        if any(_match(pattern, c) for c in candidates):
            out = excludes
    return out


def tool(name: str) -> str | None:
    """A linter shipped as a PyPI wheel (dev extra): next to the venv's python, or on PATH."""
    import sys

    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)
