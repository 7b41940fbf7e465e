"""The console channel: a terminal REPL that behaves like the team's Discord channel.
A plain line is a question; slash commands mirror the Discord ones."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Callable, TextIO

from bot import render
from bot.logs import new_request_id
from retrieval.errors import AnalystError

HELP = """Commands:
  <question>                 ask about the corpus (follow-ups keep the last turns)
  /ask QUESTION [--source S] ask, optionally only what a source said
  /compare A B [TOPIC]       compare what two sources say
  /contradictions [STATUS]   list contradictions (new, posted, dismissed, all)
  /dismiss ID                dismiss a contradiction
  /digest                    preview the digest of new contradictions
  /ingest PATH [--source S]  add a local file to the corpus and index it
  /sources                   list sources and aliases
  /new                       forget the conversation so far
  /help                      this help
  /quit                      leave"""


class Console:
    def __init__(self, service, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.service = service
        self.stdin, self.stdout = stdin, stdout
        self.history: list[tuple[str, str]] = []
        self.handlers: dict[str, Callable[[list[str]], str | None]] = {
            "ask": self.ask, "compare": self.compare, "contradictions": self.contradictions,
            "dismiss": self.dismiss, "digest": self.digest, "sources": self.sources, "ingest": self.ingest,
            "help": lambda _: HELP, "new": self.reset,
        }

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def run(self) -> int:
        self.say("Analyst console channel. Ask a question, or /help. /quit to leave.")
        interactive = self.stdin.isatty()
        while True:
            if interactive:
                self.stdout.write("analyst> ")
                self.stdout.flush()
            line = self.stdin.readline()
            if not line:
                return 0
            line = line.strip()
            if not line:
                continue
            if line in ("/quit", "/exit", "/q"):
                return 0
            try:
                out = self.handle(line)
            except AnalystError as exc:
                out = f"⚠ {exc}"
            if out:
                self.say(out)

    def handle(self, line: str) -> str | None:
        if not line.startswith("/"):
            return self.ask([line], question=line)
        try:
            parts = shlex.split(line[1:])
        except ValueError as exc:
            return f"⚠ Could not parse that command: {exc}"
        name, rest = (parts[0].lower(), parts[1:]) if parts else ("help", [])
        handler = self.handlers.get(name)
        if handler is None:
            return f"⚠ Unknown command /{name}. Try /help."
        return handler(rest)

    def ask(self, args: list[str], question: str | None = None) -> str:
        sources = []
        if question is None:
            words = list(args)
            while "--source" in words:
                i = words.index("--source")
                sources.append(words[i + 1] if i + 1 < len(words) else "")
                del words[i : i + 2]
            question = " ".join(words)
        if not question.strip():
            return "Usage: /ask QUESTION [--source S]"
        new_request_id()
        streamed: list[str] = []
        tty = self.stdout.isatty()

        def on_token(tok: str) -> None:
            streamed.append(tok)
            if tty:
                self.stdout.write(tok)
                self.stdout.flush()

        answer = self.service.ask(question, sources=sources, history=self.history, on_token=on_token)
        if answer.grounded:
            self.history = (self.history + [(question, answer.answer)])[-3:]
        if tty and streamed:
            self.stdout.write("\n\n— checked answer (citations verified against the passages) —\n")
        return render.render_answer(answer)

    def compare(self, args: list[str]) -> str:
        if len(args) < 2:
            return "Usage: /compare A B [TOPIC]"
        return render.render_compare(self.service.compare(args[0], args[1], " ".join(args[2:]) or None))

    def contradictions(self, args: list[str]) -> str:
        return render.render_contradictions(self.service.contradictions(args[0] if args else "new"))

    def dismiss(self, args: list[str]) -> str:
        if not args:
            return "Usage: /dismiss ID"
        return f"Dismissed #{self.service.dismiss(args[0]).id}."

    def digest(self, args: list[str]) -> str:
        items = self.service.contradictions("new")
        if not items:
            return "Digest: nothing new."
        return f"Digest: {len(items)} new contradiction(s)\n" + render.render_contradictions(items)

    def ingest(self, args: list[str]) -> str:
        source = None
        if "--source" in args:
            i = args.index("--source")
            source = args[i + 1] if i + 1 < len(args) else None
            args = args[:i] + args[i + 2:]
        if len(args) != 1:
            return "Usage: /ingest PATH [--source S]"
        path = Path(args[0]).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            return f"⚠ Cannot read {path}: {exc.strerror or exc}"
        return render.render_index(self.service.ingest(path.name, data, source))

    def sources(self, args: list[str]) -> str:
        return render.render_sources(self.service.sources())

    def reset(self, args: list[str]) -> str:
        self.history = []
        return "Conversation cleared."
