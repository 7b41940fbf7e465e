"""The terminal fronts' shared half: one argparse parser built from the command table (the CLI parses
argv with it, the console parses each line with it) and the handlers both fronts run. A handler
returns an `Outcome`: JSON-ready data for `--json`, text for people, and an exit status."""
from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bot import render
from bot.commands import BY_NAME, MAX_QUESTION, Option, commands_for
from bot.logs import new_request_id
from retrieval.errors import UsageError

EXIT_OK, EXIT_ERROR, EXIT_SKIPPED = 0, 2, 3


@dataclass
class Outcome:
    data: Any
    text: str
    exit: int = EXIT_OK
    notes: list[str] = field(default_factory=list)  # one-line remarks for stderr (CLI) or the channel
    result: Any = None  # the service's result, for fronts that page through it (console /more)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError instead of printing usage and exiting, so a bad
    argument is one line in every front and never ends a console session."""

    def error(self, message: str) -> None:  # type: ignore[override]
        usage = " ".join(self.format_usage().split()[1:])  # one line, without "usage:"
        raise UsageError(f"{message[:1].upper()}{message[1:]}.", hint=f"Usage: {usage}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if status:
            raise UsageError((message or "invalid arguments").strip())
        raise HelpShown()


class HelpShown(Exception):
    """`--help` was asked for: the help was printed; nothing else to do."""


def add_option(p: argparse.ArgumentParser, o: Option) -> None:
    kw: dict[str, Any] = {"help": o.help}
    if o.kind == "flag":
        p.add_argument(f"--{o.name}", action="store_true", **kw)
        return
    if o.kind == "path":
        kw["type"] = Path
    if o.choices:
        kw["choices"] = o.choices
    if o.positional:
        nargs = "*" if o.many else ("+" if o.name == "question" else None if o.required else "?")
        if nargs:
            kw["nargs"] = nargs
        p.add_argument(o.name, metavar=o.name.upper(), **kw)
        return
    if o.many:
        kw.update(action="append", default=[])
    else:
        kw.update(default=o.default, required=o.required)
    p.add_argument(f"--{o.name}", dest=o.name.replace("-", "_"), **kw)


def build_parser(front: str, common: argparse.ArgumentParser | None = None, prog: str = "analyst",
                 sub_common: argparse.ArgumentParser | None = None) -> Parser:
    """The parser for `front` ("cli" or "console"), with `common` options before the command and on every
    subcommand. `sub_common`: the same options for the subcommands with defaults suppressed, so a value
    given before the command (`analyst --data-dir X disputes`) is not reset by the subcommand's default."""
    parents = [common] if common else []
    parser = Parser(prog=prog, parents=parents, add_help=front == "cli")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    sub_parents = [sub_common] if sub_common else parents
    for cmd in commands_for(front):
        sp = sub.add_parser(cmd.name, parents=sub_parents, help=cmd.help, description=cmd.help)
        for o in cmd.options_for(front):
            add_option(sp, o)
    return parser


def parse_line(parser: Parser, line: str) -> argparse.Namespace | None:
    """A console line such as `/compare kremlin whitehouse --topic energy`; None after --help."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Could not parse that command: {exc}.") from None
    if not words:
        raise UsageError("Empty command.", hint="Try /help.")
    if words[0] not in BY_NAME or "console" not in BY_NAME[words[0]].fronts:
        raise UsageError(f"Unknown command /{words[0]}.", hint="Try /help.")
    try:
        return parser.parse_args(words)
    except HelpShown:
        return None


def question_of(args: argparse.Namespace) -> str:
    question = " ".join(args.question).strip() if isinstance(args.question, list) else args.question.strip()
    if not question:
        raise UsageError("The question is empty.", hint="Ask something, e.g. `ask What did the Kremlin say?`")
    if len(question) > MAX_QUESTION:
        raise UsageError(f"Questions are limited to {MAX_QUESTION} characters (this one has {len(question)}).")
    return question


# ---- handlers shared by the CLI and the console ---------------------------------------------------
def do_ask(service, args, *, history=(), on_token: Callable[[str], None] | None = None) -> Outcome:
    new_request_id()
    answer = service.ask(question_of(args), sources=args.source, history=history, on_token=on_token)
    return Outcome(answer.to_dict(), render.render_answer(answer))


def do_compare(service, args) -> Outcome:
    """The briefing's first screen (CLI `--all`: every row); `data` has every row either way."""
    res = service.compare(args.a, args.b, args.topic, since=args.since)
    count = len(res.rows) if getattr(args, "all", False) else None
    out = Outcome(res.to_dict(), render.render_compare(res, count=count))
    out.result = res
    return out


def do_contradictions(service, args) -> Outcome:
    items = service.contradictions(args.status)
    return Outcome([c.to_dict() for c in items], render.render_contradictions(items))


def do_disputes(service, args) -> Outcome:
    if args.id:
        d = service.dispute(args.id)
        return Outcome(d.to_dict(), render.render_dispute(d))
    items = service.disputes(args.status)
    return Outcome([d.to_dict() for d in items], render.render_disputes(items, args.status))


def do_dismiss(service, args) -> Outcome:
    result = service.dismiss(args.id.strip())
    return Outcome(result.to_dict(), render.render_dismissal(result))


def do_sources(service, args) -> Outcome:
    if args.action == "add":
        if not args.id:
            raise UsageError("Which source? `sources add ID [--name N] [--alias A]... [--feed URL]...`")
        info = service.add_source(args.id, args.name, args.alias, args.feed)
        return Outcome(info.to_dict(), f"Saved source {info.id} ({info.name}) in {service.settings.sources_path}.")
    if args.id or args.name or args.alias or args.feed:
        raise UsageError("Those options go with `sources add ID`.")
    items = service.sources()
    return Outcome([s.to_dict() for s in items], render.render_sources(items))


def do_digest(service, args) -> Outcome:
    items = service.disputes("new")
    updates = service.disputes_with_new_evidence()
    lines = []
    if items:
        lines.append(f"Digest preview: {len(items)} new dispute(s) (nothing is marked posted)\n")
        lines.append(render.render_disputes(items))
    else:
        lines.append("Digest preview: no new disputes.")
    if updates:
        lines.append("\nNew evidence on disputes already posted: "
                     + "; ".join(f"{d.id} ({d.headline})" for d in updates))
    bb = service.below_bar()
    if bb:
        lines.append("\n" + render.below_bar(bb, "`disputes --status possible`", "`disputes ID`"))
    return Outcome([d.to_dict() for d in items], "\n".join(lines))


def do_ingest(service, args) -> Outcome:
    if args.path.startswith(("http://", "https://")):  # one web page: its article, stored and indexed
        report, stored = service.ingest_url(args.path, args.source)
        out = _index_outcome(report)
        out.data["path"] = str(stored)
        out.text += f"\nStored as {stored}."
        return out
    path = Path(args.path).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    report = service.ingest(path.name, data, args.source)
    return _index_outcome(report)


def do_feeds(service, args) -> Outcome:
    items = service.feeds()
    return Outcome([f.to_dict() for f in items], render.render_feeds(items))


def do_fetch(service, args) -> Outcome:
    report = service.fetch_feeds()
    return Outcome(report.to_dict(), render.render_fetch(report))


def do_index(service, args, progress: bool = True) -> Outcome:
    return _index_outcome(service.index(args.paths or None, progress=progress))


def _index_outcome(report) -> Outcome:
    out = Outcome(report.to_dict(), render.render_index(report))
    if report.skipped:
        out.exit = EXIT_SKIPPED
        out.notes.append(f"{len(report.skipped)} file(s) skipped (see above)")
    return out


def do_feedback(service, args) -> Outcome:
    items = service.feedback_list()
    return Outcome(items, render.render_feedback(items))


def help_text(front: str, prefix: str = "/") -> str:
    rows = [f"  {c.name:<15} {c.help}" + (f"\n  {'':<15} e.g. {prefix}{c.example}" if c.example else "")
            for c in commands_for(front)]
    return "Commands:\n" + "\n".join(rows)


SHARED: dict[str, Callable[..., Outcome]] = {
    "ask": do_ask, "compare": do_compare, "contradictions": do_contradictions, "disputes": do_disputes,
    "dismiss": do_dismiss,
    "sources": do_sources, "digest": do_digest, "ingest": do_ingest, "index": do_index,
    "feeds": do_feeds, "fetch": do_fetch,
    "feedback": do_feedback,
}
