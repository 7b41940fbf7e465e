"""`analyst`: the command line. Every command takes --json for scripts; errors are one clear line."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from bot import render
from bot.logs import new_request_id, setup_logging
from retrieval.errors import AnalystError

log = logging.getLogger("analyst")
EXIT_ERROR, EXIT_SKIPPED = 2, 3


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--data-dir", type=Path, help="data directory (default ./.analyst, ANALYST_DATA_DIR)")
    p.add_argument("--corpus", type=Path, help="corpus folder (default ./corpus, ANALYST_CORPUS_DIR)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="analyst", description=__doc__, parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", parents=[common], help="index documents (default: the corpus folder)")
    p.add_argument("paths", nargs="*", type=Path)
    p = sub.add_parser("ask", parents=[common], help="ask a question; the answer cites its passages")
    p.add_argument("question")
    p.add_argument("--source", action="append", default=[], help="only passages from/by this source (repeatable)")
    p.add_argument("--no-stream", action="store_true", help="don't stream tokens to the terminal")
    sub.add_parser("sources", parents=[common], help="list sources with their aliases and counts")
    p = sub.add_parser("compare", parents=[common], help="compare what two sources say")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--topic")
    p = sub.add_parser("contradictions", parents=[common], help="list contradictions in the ledger")
    p.add_argument("--status", default="new", choices=["new", "posted", "dismissed", "all"])
    p = sub.add_parser("dismiss", parents=[common], help="dismiss a contradiction by id")
    p.add_argument("id")
    sub.add_parser("chat", parents=[common], help="the interactive console channel")
    sub.add_parser("run", parents=[common], help="index the corpus, then start the bot (or the console)")
    sub.add_parser("bot", parents=[common], help="run the Discord bot (needs DISCORD_TOKEN)")
    sub.add_parser("sync-commands", parents=[common], help="register slash commands with Discord globally")
    sub.add_parser("commands", parents=[common], help="the application commands as registered with Discord")
    sub.add_parser("doctor", parents=[common], help="check configuration and dependencies")
    return parser


def make_settings(args: argparse.Namespace):
    from retrieval.settings import Settings

    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.corpus:
        overrides["corpus_dir"] = args.corpus
    return Settings(**overrides)


def emit(args, data: Any, text: str) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


def cmd_index(service, args) -> int:
    report = service.index(args.paths or None, progress=not args.json)
    emit(args, report.to_dict(), render.render_index(report))
    if report.skipped:
        print(f"analyst: {len(report.skipped)} file(s) skipped (see above)", file=sys.stderr)
        return EXIT_SKIPPED
    return 0


def cmd_ask(service, args) -> int:
    new_request_id()
    streaming = not args.json and not args.no_stream and sys.stdout.isatty()
    on_token = (lambda t: print(t, end="", flush=True)) if streaming else None
    answer = service.ask(args.question, sources=args.source, on_token=on_token)
    if streaming and answer.mode == "llm":
        print("\n")
    emit(args, answer.to_dict(), render.render_answer(answer))
    return 0


def cmd_compare(service, args) -> int:
    res = service.compare(args.a, args.b, args.topic)
    emit(args, res.to_dict(), render.render_compare(res))
    return 0


def cmd_contradictions(service, args) -> int:
    items = service.contradictions(args.status)
    emit(args, [c.to_dict() for c in items], render.render_contradictions(items))
    return 0


def cmd_dismiss(service, args) -> int:
    c = service.dismiss(args.id)
    emit(args, c.to_dict(), f"Dismissed #{c.id}.")
    return 0


def cmd_sources(service, args) -> int:
    items = service.sources()
    emit(args, [s.to_dict() for s in items], render.render_sources(items))
    return 0


def cmd_chat(service, args) -> int:
    from bot.console import Console

    return Console(service).run()


def cmd_run(service, args) -> int:
    if service.settings.discord_token:
        print(render.render_index(service.index(progress=True)), file=sys.stderr)
        return cmd_bot(service, args)
    print("No DISCORD_TOKEN set: starting the console channel.", file=sys.stderr)
    index_in_background(service)
    return cmd_chat(service, args)


def index_in_background(service) -> threading.Thread:
    """Index the corpus; the console opens as soon as passages are searchable, while contradiction
    detection (minutes with the local model) finishes in the background and reports when done."""
    ready = threading.Event()

    def work() -> None:
        try:
            report = service.index(progress=False, on_stored=ready.set)
            print(f"\n[index] {render.render_index(report)}", file=sys.stderr, flush=True)
        except AnalystError as exc:
            print(f"\n[index] failed: {exc}", file=sys.stderr, flush=True)
        finally:
            ready.set()

    print("Indexing corpus/ …", file=sys.stderr, flush=True)
    thread = threading.Thread(target=work, name="index", daemon=True)
    thread.start()
    ready.wait()
    if thread.is_alive():
        print("Passages indexed; contradiction detection continues in the background.", file=sys.stderr)
    return thread


def cmd_bot(service, args) -> int:
    from bot.discord.app import run_bot

    if not service.settings.discord_token:
        raise AnalystError("DISCORD_TOKEN is not set.", hint="Put it in the environment or .env.")
    run_bot(service, service.settings)
    return 0


def cmd_sync(service, args) -> int:
    from bot.discord.app import sync_commands

    sync_commands(service, service.settings)
    return 0


def cmd_commands(service, args) -> int:
    from bot.discord.app import command_schema

    schema = command_schema(service)
    emit(args, schema, json.dumps(schema, indent=2))
    return 0


def cmd_doctor(service, args, settings=None) -> int:
    from bot.doctor import run_checks

    results = run_checks(settings or service.settings)
    emit(args, [r.to_dict() for r in results], "\n".join(r.line() for r in results))
    return 0 if all(r.ok for r in results) else 1


COMMANDS = {
    "index": cmd_index, "ask": cmd_ask, "sources": cmd_sources, "compare": cmd_compare,
    "contradictions": cmd_contradictions, "dismiss": cmd_dismiss, "chat": cmd_chat, "run": cmd_run,
    "bot": cmd_bot, "sync-commands": cmd_sync, "commands": cmd_commands, "doctor": cmd_doctor,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = make_settings(args)
    except Exception as exc:  # pydantic ValidationError: say which setting is wrong
        print(f"analyst: invalid configuration: {exc}", file=sys.stderr)
        return EXIT_ERROR
    setup_logging(settings, args.verbose, interactive=args.command in ("chat", "run") and sys.stdin.isatty())
    from retrieval.service import Analyst

    if args.command == "doctor":  # without the service: it must run when the service cannot start
        return cmd_doctor(None, args, settings)
    try:
        service = Analyst(settings)
    except OSError as exc:  # e.g. the data directory cannot be created
        print(f"analyst: cannot use the data directory {settings.data_dir}: {exc.strerror or exc}; "
              "run `analyst doctor`", file=sys.stderr)
        return EXIT_ERROR
    try:
        return COMMANDS[args.command](service, args)
    except AnalystError as exc:
        log.debug("command failed", exc_info=True)
        print(f"analyst: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    finally:
        service.close()


if __name__ == "__main__":
    sys.exit(main())
