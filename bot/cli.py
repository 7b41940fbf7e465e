"""`analyst`: the command line. Every command takes --json for scripts; errors are one clear line."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from bot import render
from bot.commands import BY_NAME, TABLE, usage
from bot.logs import setup_logging
from bot.terminal import EXIT_ERROR, SHARED, HelpShown
from bot.terminal import build_parser as build_terminal_parser
from retrieval.errors import AnalystError, UsageError

log = logging.getLogger("analyst")


def _common(suppress: bool = False) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name; `suppress`: without defaults (for the
    subcommands, so they do not reset what was given before the command)."""
    p = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS if suppress else None)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--data-dir", type=Path, help="data directory (default ./.analyst, ANALYST_DATA_DIR)")
    p.add_argument("--corpus", type=Path, help="corpus folder (default ./corpus, ANALYST_CORPUS_DIR)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = build_terminal_parser("cli", _common(), sub_common=_common(suppress=True))
    parser.description = __doc__
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


def shared(name: str):
    """A handler shared with the console, its Outcome printed as JSON or text."""

    def run(service, args) -> int:
        kwargs = {"on_token": _streamer(args)} if name == "ask" else {}
        if name == "index":
            kwargs["progress"] = not args.json
        outcome = SHARED[name](service, args, **kwargs)
        if kwargs.get("on_token") and outcome.data.get("mode") == "llm":
            print("\n")
        emit(args, outcome.data, outcome.text)
        for note in outcome.notes:
            print(f"analyst: {note}", file=sys.stderr)
        return outcome.exit

    return run


def _streamer(args):
    if args.json or args.no_stream or not sys.stdout.isatty():
        return None
    return lambda t: print(t, end="", flush=True)


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
    """The command table; each Discord command with the exact payload registered with Discord."""
    from bot.discord.app import command_schema

    discord_payload = {c["name"]: c for c in command_schema(service)}
    rows = [{**c.to_dict(), "discord": discord_payload.get(c.name)} for c in TABLE]
    text = "\n".join(f"{usage(c, 'cli'):<50} {c.help}" for c in TABLE if "cli" in c.fronts)
    emit(args, rows, text)
    return 0


def cmd_doctor(service, args, settings=None) -> int:
    from bot.doctor import run_checks

    results = run_checks(settings or service.settings)
    emit(args, [r.to_dict() for r in results], "\n".join(r.line() for r in results))
    return 0 if all(r.ok for r in results) else 1


COMMANDS = {
    **{name: shared(name) for name in SHARED if "cli" in BY_NAME[name].fronts},
    "chat": cmd_chat, "run": cmd_run, "bot": cmd_bot, "sync-commands": cmd_sync, "commands": cmd_commands,
    "doctor": cmd_doctor,
}


def parse(argv: list[str] | None) -> argparse.Namespace | int:
    """The arguments, or an exit status after --help (0) or a usage error (2, one line)."""
    try:
        return build_parser().parse_args(argv)
    except HelpShown:
        return 0
    except UsageError as exc:
        print(f"analyst: {exc}", file=sys.stderr)
        return EXIT_ERROR


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if isinstance(args, int):
        return args
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
