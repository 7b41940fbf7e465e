"""The console channel: a terminal REPL that behaves like the team's Discord channel.

A plain line is a question; `/command …` lines are parsed with the CLI's own parser, built from the
command table, so options, choices and errors are the same in both. Nothing a user types ends the
session: a bad argument is one line, an unexpected error is one line with its request id (the
traceback goes to the log)."""
from __future__ import annotations

import logging
import sys
from typing import TextIO

from bot import logs
from bot.terminal import SHARED, Outcome, build_parser, help_text, parse_line
from retrieval.errors import AnalystError

log = logging.getLogger(__name__)
QUIT = ("/quit", "/exit", "/q")


class Console:
    def __init__(self, service, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.service = service
        self.stdin, self.stdout = stdin, stdout
        self.history: list[tuple[str, str]] = []
        self.parser = build_parser("console", prog="")
        self.paging: tuple[object, int] | None = None  # (last comparison, rows shown so far)

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
            if line in QUIT:
                return 0
            if line:
                self.say(self.safely(line))

    def safely(self, line: str) -> str:
        """The reply to one line; never raises (except KeyboardInterrupt)."""
        try:
            return self.handle(line) or ""
        except AnalystError as exc:
            return f"⚠ {exc.for_front('console')}"
        except Exception:
            rid = logs.request_id.get()
            rid = logs.new_request_id() if rid == "-" else rid
            log.exception("console command failed: %r", line[:200])
            return f"⚠ Something went wrong (request {rid}); the details are in the log."

    def handle(self, line: str) -> str | None:
        if not line.startswith("/"):
            line = "/ask " + line.replace("\\", "\\\\").replace('"', '\\"').join('""')
        args = parse_line(self.parser, line[1:])
        if args is None:  # --help printed its text
            return None
        if args.command == "help":
            return help_text("console") + "\n  /quit           leave"
        if args.command == "new":
            self.history = []
            return "Conversation cleared."
        if args.command == "ask":
            return self.ask(args)
        if args.command == "more":
            return self.more()
        outcome = SHARED[args.command](self.service, args)
        if args.command == "compare":
            self.paging = (outcome.result, outcome.result.first_page)
        return outcome.text

    def more(self) -> str:
        """The next screen of the last comparison."""
        from bot.render import PAGE_ROWS, render_compare

        if self.paging is None or self.paging[1] >= len(self.paging[0].rows):
            return "Nothing more to show: run /compare first." if self.paging is None else "No more rows."
        res, shown = self.paging
        self.paging = (res, shown + PAGE_ROWS)
        return render_compare(res, start=shown, count=PAGE_ROWS)

    def ask(self, args) -> str:
        streamed: list[str] = []
        tty = self.stdout.isatty()

        def on_token(tok: str) -> None:
            streamed.append(tok)
            if tty:
                self.stdout.write(tok)
                self.stdout.flush()

        outcome: Outcome = SHARED["ask"](self.service, args, history=self.history, on_token=on_token)
        if outcome.data["grounded"]:
            self.history = (self.history + [(" ".join(args.question), outcome.data["answer"])])[-3:]
        if tty and streamed:
            self.stdout.write("\n\n— checked answer (citations verified against the passages) —\n")
        return outcome.text
