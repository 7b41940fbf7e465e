"""The command table: every command's name, options, help and choices, declared once.

The CLI's argparse parser, the console channel (which parses each line with the same parser) and the
Discord slash commands are built from this table, and `analyst commands --json` prints it. Adding a
command means a row here and one handler per front that offers it."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from retrieval.vocab import DISPUTE_FILTERS, PAIR_FILTERS

Front = Literal["cli", "console", "discord"]
EVERYWHERE: frozenset[str] = frozenset({"cli", "console", "discord"})
TERMINAL: frozenset[str] = frozenset({"cli", "console"})
CLI: frozenset[str] = frozenset({"cli"})

# One question length for every route: slash command, mention, console and CLI.
MAX_QUESTION = 1000
MAX_TOPIC = 200


@dataclass(frozen=True)
class Option:
    """One argument. `kind`: text (free text), source (a source id or alias: completed and checked),
    choice (one of `choices`), path (a local file or folder), file (a Discord attachment), flag."""

    name: str
    help: str
    kind: Literal["text", "source", "choice", "path", "file", "flag"] = "text"
    required: bool = False
    many: bool = False  # repeatable (terminal fronts); Discord takes one value
    choices: tuple[str, ...] = ()
    default: Any = None
    max_length: int | None = None
    positional: bool = False  # a positional argument in the terminal fronts
    fronts: frozenset[str] = EVERYWHERE


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...] = ()
    fronts: frozenset[str] = EVERYWHERE
    admin: bool = False  # Discord: checked on every use; hidden from members without Manage Server
    cooldown: bool = False  # Discord: per-user cooldown bucket named after the command
    example: str = ""

    def options_for(self, front: str) -> tuple[Option, ...]:
        return tuple(o for o in self.options if front in o.fronts)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fronts"] = sorted(self.fronts)
        d["options"] = [{**asdict(o), "fronts": sorted(o.fronts), "choices": list(o.choices)} for o in self.options]
        return d


SOURCE = Option("source", "Only statements by or about this source (id or alias)", kind="source", many=True)

TABLE: tuple[Command, ...] = (
    Command("ask", "Ask a question; the answer cites the passages it comes from.", (
        Option("question", "Your question about the indexed documents", required=True, positional=True,
               max_length=MAX_QUESTION),
        SOURCE,
        Option("no-stream", "Don't stream tokens to the terminal", kind="flag", fronts=CLI),
    ), cooldown=True, example="ask What did the Kremlin say about energy strikes?"),
    Command("compare", "Compare what two sources say: contradictions, differences, agreement.", (
        Option("a", "First source", kind="source", required=True, positional=True),
        Option("b", "Second source", kind="source", required=True, positional=True),
        Option("topic", "What to compare them on", max_length=MAX_TOPIC),
        Option("since", "Only documents dated on or after this day (YYYY-MM-DD)", max_length=10),
        Option("all", "Show every row, not just the first screen", kind="flag", fronts=CLI),
    ), cooldown=True, example="compare kremlin whitehouse --topic energy"),
    Command("more", "Show the next rows of the last comparison.", fronts=frozenset({"console"}), example="more"),
    Command("disputes", "List disputes: the contradictions grouped by the point in contention, strongest first.", (
        Option("status", "Which ones to list (possible: below the digest's confidence bar)", kind="choice",
               choices=DISPUTE_FILTERS, default="new"),
        Option("id", "Show this one dispute in full (an id such as d-3f9a1c2b, from the digest)",
               positional=True, max_length=80),
    ), example="disputes --status possible"),
    Command("contradictions", "List contradiction pairs (each names its dispute), strongest dispute first.", (
        Option("status", "Which ones to list", kind="choice", choices=PAIR_FILTERS, default="new"),
    ), example="contradictions --status all"),
    Command("dismiss", "Dismiss a dispute (with all its pairs) or one contradiction pair.", (
        Option("id", "A dispute id (d-…) or a contradiction pair id", required=True, positional=True,
               max_length=80),
    ), admin=True, example="dismiss d-3f9a1c2b"),
    Command("sources", "List the sources, their aliases and how much of each is indexed; `sources add ID` adds one.", (
        Option("action", "add: add a source, or aliases and feeds to one, in sources.yaml", kind="choice",
               choices=("add",), positional=True, fronts=TERMINAL),
        Option("id", "The source id to add (2-40 lowercase letters, digits, - or _)", positional=True,
               max_length=40, fronts=TERMINAL),
        Option("name", "Display name (required for a new source)", max_length=100, fronts=TERMINAL),
        Option("alias", "A name people use for it", many=True, max_length=100, fronts=TERMINAL),
        Option("feed", "An RSS or Atom feed URL to follow", many=True, max_length=2000, fronts=TERMINAL),
    ), example="sources"),
    Command("sources-add", "Add a source, or aliases or a feed to one, in sources.yaml.", (
        Option("id", "Source id: 2-40 lowercase letters, digits, - or _", required=True, max_length=40),
        Option("name", "Display name (required for a new source)", max_length=100),
        Option("aliases", "Other names people use for it, comma-separated", max_length=500),
        Option("feed", "An RSS or Atom feed URL to follow", max_length=2000),
    ), fronts=frozenset({"discord"}), admin=True, example="sources-add id:tass name:TASS feed:https://tass.com/rss/v2.xml"),
    Command("feeds", "List the feeds with their last poll, last new item, items stored and last error.",
            example="feeds"),
    Command("fetch", "Poll every feed now; store and index new articles.", admin=True, example="fetch"),
    Command("digest", "Preview the dispute digest now (nothing is marked posted); admins can post it.", (
        Option("post", "Post the digest to the digest channel now instead of previewing it (admins)",
               kind="flag", fronts=frozenset({"discord"})),
    ), fronts=frozenset({"console", "discord"}), example="digest"),
    Command("ingest", "Add a document to the corpus and index it.", (
        Option("path", "A local .md, .txt or .html file, or a web page's http(s) URL", required=True,
               positional=True, fronts=TERMINAL),
        Option("file", "A .md, .txt or .html document to add", kind="file", fronts=frozenset({"discord"})),
        Option("text", "Or paste the text to add", max_length=4000, fronts=frozenset({"discord"})),
        Option("url", "Or a web page's http(s) address: its article is fetched and added", max_length=2000,
               fronts=frozenset({"discord"})),
        Option("name", "File name for pasted text (e.g. statement.md)", max_length=100,
               fronts=frozenset({"discord"})),
        Option("source", "Publisher of the document", kind="source"),
    ), admin=True, example="ingest statement.md --source kremlin"),
    Command("index", "Index documents (default: the corpus folder).", (
        Option("paths", "Files or folders to index", kind="path", many=True, positional=True),
    ), fronts=CLI, example="index"),
    Command("feedback", "List the 👍/👎 feedback given on answers, newest first.", fronts=TERMINAL,
            example="feedback --json"),
    Command("help", "List the commands with an example each.", fronts=frozenset({"console", "discord"}),
            example="help"),
    Command("new", "Forget the conversation so far.", fronts=frozenset({"console"}), example="new"),
    Command("chat", "The interactive console channel.", fronts=CLI),
    Command("run", "Index the corpus, then start the bot (or the console without DISCORD_TOKEN).", fronts=CLI),
    Command("bot", "Run the Discord bot (needs DISCORD_TOKEN).", fronts=CLI),
    Command("sync-commands", "Register the slash commands with Discord globally.", fronts=CLI),
    Command("commands", "Print this command table.", fronts=CLI),
    Command("doctor", "Check configuration and dependencies.", fronts=CLI),
    Command("sync", "Register the slash commands with Discord (bot owner only).", (
        Option("scope", "guild: copy the commands to this server now; global: register everywhere",
               kind="choice", choices=("guild", "global"), default="guild"),
    ), fronts=frozenset({"discord"}), example="sync --scope guild"),
)

BY_NAME: dict[str, Command] = {c.name: c for c in TABLE}


def commands_for(front: str) -> list[Command]:
    return [c for c in TABLE if front in c.fronts]


def usage(command: Command, front: str, prefix: str = "") -> str:
    """A one-line synopsis, e.g. `/compare A B [--topic TOPIC]`."""
    parts = [prefix + command.name]
    for o in command.options_for(front):
        label = o.name.upper().replace("-", "_")
        if o.positional:
            word = f"{label}..." if o.many else label
            parts.append(word if o.required else f"[{word}]")
        elif o.kind == "flag":
            parts.append(f"[--{o.name}]")
        else:
            parts.append(f"[--{o.name} {label}]")
    return " ".join(parts)

