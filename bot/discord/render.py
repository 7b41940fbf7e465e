"""Embeds for Discord: the limits and text safety every embed goes through, citations, answers, sources.
Comparisons are rendered in `render_compare`, contradictions and disputes in `render_disputes`.

Everything here is pure (models in, `Outgoing` messages out) and stays under Discord's limits:
2000 characters of content, 256 a title, 4096 a description, 256 a field name, 1024 a field value,
25 fields, 6000 characters across all embeds of one message, 10 embeds a message. Text that comes
from documents (or from a model that read them) goes through `safe()` so it cannot ping anyone,
form masked links, or render as mentions/commands/markdown."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import discord

from bot.discord.split import split_text
from bot.render import contested_line
from retrieval.models import Answer, Citation, Contested, IndexReport, SourceInfo

MESSAGE = 2000
TITLE = 256
DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FIELDS = 25
EMBED_TOTAL = 6000
EMBEDS = 10
FOOTER = 2048

BLUE, PURPLE, RED, GREY, AMBER = 0x3B82F6, 0x8B5CF6, 0xEF4444, 0x6B7280, 0xF59E0B

_ZWSP = "\u200b"
_MARKDOWN = re.compile(r"([\\*_~|`])")
_LINE_START = re.compile(r"^(\s*)(#{1,3}\s|-#\s|>|[-+]\s)", re.MULTILINE)


@dataclass
class Outgoing:
    """One message to send: content and/or embeds (and, for the digest, the dispute ids it carries)."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    view: discord.ui.View | None = None  # buttons (feedback, dismiss), set by the handler that sends it


# ---- text safety -----------------------------------------------------------------------------
def safe(text: str | None) -> str:
    """Document text made inert: no mentions, no @everyone/@here, no <...> syntax (mentions,
    channels, slash-command links, timestamps), no masked links, no markdown formatting."""
    if not text:
        return ""
    out = _MARKDOWN.sub(r"\\\1", text)
    out = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    out = out.replace("@", "@" + _ZWSP).replace("<", "<" + _ZWSP)
    out = out.replace("](", "]" + _ZWSP + "(")
    return out


def fit(text: str | None, limit: int) -> str:
    """`safe(text)` shortened (with an ellipsis) to at most `limit` characters."""
    raw = (text or "").strip()
    out = safe(raw)
    while len(out) > limit:
        raw = raw[: max(0, len(raw) - (len(out) - limit) - 1)].rstrip()
        out = safe(raw) + "…"
    return out


def plain(text: str | None, limit: int) -> str:
    """Our own message text (errors, notices): markdown kept (backticks work), but no mentions and no
    <...> syntax, at most `limit` characters."""
    out = (text or "").replace("@", "@" + _ZWSP).replace("<", "<" + _ZWSP)
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "…"


def quote_block(text: str, limit: int) -> str:
    """A Discord block quote of `text` (made safe), at most `limit` characters."""
    raw = " ".join((text or "").split())
    body = fit(raw, limit - 2)
    return "> " + body if body else "> (empty)"


# ---- packing ---------------------------------------------------------------------------------
def pack(title: str, description: str, fields: Sequence[tuple[str, str]], *, color: int = BLUE,
         footer: str | None = None) -> list[discord.Embed]:
    """Embeds carrying the (already safe) description and fields, each embed within the limits.
    A long description continues over several embeds; fields fill embeds up to 25 and 6000."""
    title = title[:TITLE]
    footer = footer[:FOOTER] if footer else None
    reserve = len(footer) if footer else 0  # len(embed) already counts the title
    chunks = [c.strip() for c in split_text(description.strip(), DESCRIPTION)] if description.strip() else []
    embeds: list[discord.Embed] = []
    for i, chunk in enumerate(chunks or [""]):
        e = discord.Embed(title=title if i == 0 else None, description=chunk or None, color=color)
        embeds.append(e)
    for name, value in fields:
        name, value = name[:FIELD_NAME] or "\u200b", value[:FIELD_VALUE] or "\u200b"
        cur = embeds[-1]
        if len(cur.fields) >= FIELDS or len(cur) + len(name) + len(value) + reserve > EMBED_TOTAL:
            cur = discord.Embed(color=color)
            embeds.append(cur)
        cur.add_field(name=name, value=value, inline=False)
    if footer:
        embeds[-1].set_footer(text=footer)
    return embeds


def group(embeds: Iterable[discord.Embed], content: str = "") -> list[Outgoing]:
    """Messages of at most 10 embeds and 6000 embed characters each (content only on the first)."""
    out: list[Outgoing] = []
    cur: list[discord.Embed] = []
    total = 0
    for e in embeds:
        if cur and (len(cur) >= EMBEDS or total + len(e) > EMBED_TOTAL):
            out.append(Outgoing(embeds=cur))
            cur, total = [], 0
        cur.append(e)
        total += len(e)
    if cur or not out:
        out.append(Outgoing(embeds=cur))
    if content:
        out[0].content = content[:MESSAGE]
    return out


# ---- citations -------------------------------------------------------------------------------
def speaker_name(sid: str, names: dict[str, str]) -> str:
    return names.get(sid, sid)


_URL = re.compile(r"^https?://[^\s<>()\[\]`|\\]{1,400}$")


def link(url: str | None, label: str = "source") -> str:
    """A markdown link to a document's `url` (http(s) only, no characters that could break out of the
    link); empty when there is none."""
    if not url or not _URL.match(url.strip()):
        return ""
    return f"[{label}](<{url.strip()}>)"


def citation_field(c: Citation, names: dict[str, str], label: str | None = None,
                   title: bool = True) -> tuple[str, str]:
    """(name, value) of a field: `[n] Speaker — Title` (title only the first time a document appears),
    then the quote, then date, document and a link to it."""
    label = label or f"[{c.n}]"
    head = f"{label} {speaker_name(c.speaker, names)}" + (f" — {c.title or c.doc}" if title else "")
    meta = f"{fit(c.date or 'undated', 40)} · {fit(c.doc, 300)}"
    if c.source != c.speaker:
        meta += f" · via {fit(speaker_name(c.source, names), 100)}"
    if link(c.url):
        meta += f" · {link(c.url)}"
    return fit(head, FIELD_NAME), quote_block(c.quote, FIELD_VALUE - len(meta) - 1) + "\n" + meta


# ---- answers ---------------------------------------------------------------------------------
def _first_of_doc(citations: Sequence[Citation]) -> list[bool]:
    seen: set[str] = set()
    out = []
    for c in citations:
        out.append(c.doc not in seen)
        seen.add(c.doc)
    return out


def _extractive_body(answer: Answer, names: dict[str, str]) -> str:
    """Each quote once, with its speaker, title (once per document), date and link."""
    lines = []
    for c, first in zip(answer.citations, _first_of_doc(answer.citations)):
        where = " · ".join(x for x in (fit(c.title or c.doc, 200) if first else "", fit(c.date or "", 40),
                                       link(c.url)) if x)
        lines.append(f"{quote_block(c.quote, 900)}\n[{c.n}] {fit(speaker_name(c.speaker, names), 100)}"
                     + (f" — {where}" if where else ""))
    return "\n".join(lines)


def contested_note(c: Contested, names: dict[str, str]) -> str:
    """A dispute the answer's quotes are part of, with what its pairs oppose to them."""
    return contested_line(c) + "".join(f" — {speaker_name(q.speaker, names)}: “{q.quote}”" for q in c.against)


def render_answer(question: str, answer: Answer, names: dict[str, str]) -> list[Outgoing]:
    """An answer: the model's text and one field per citation; an extractive answer shows each quote
    once (in the text, no fields) with one note on why there is no model answer."""
    extractive = answer.mode == "extractive" and answer.grounded and answer.citations
    if extractive:
        body = _extractive_body(answer, names)
        why = f": {answer.note}" if answer.note else ""
        notes = [f"Quoted passages, no model answer{why}."]
        fields = []
    else:
        body = safe(answer.answer.strip()) or "_No answer._"
        notes = [answer.note] if answer.note else []
        fields = [citation_field(c, names, title=first)
                  for c, first in zip(answer.citations, _first_of_doc(answer.citations))]
    notes = [fit(n, 500) for n in notes] + [fit(contested_note(c, names), 900) for c in answer.contested]
    description = body + ("\n\n" + "\n".join(f"*{n}*" for n in notes) if notes else "")
    footer = f"{answer.mode} · {len(answer.citations)} source(s)" + ("" if answer.grounded else " · not answered")
    return group(pack(fit("Q: " + question, TITLE), description, fields, color=BLUE, footer=footer))


# ---- sources and reports ---------------------------------------------------------------------
def render_sources(infos: Sequence[SourceInfo]) -> list[Outgoing]:
    fields = [(fit(f"{s.name} ({s.id})", FIELD_NAME),
               fit(f"{s.documents} document(s), {s.passages} passage(s)\naliases: "
                   + ", ".join(s.aliases), FIELD_VALUE)) for s in infos]
    return group(pack("Sources", "" if infos else "No sources configured.", fields, color=GREY))


def render_report(report: IndexReport, filename: str) -> str:
    lines = [f"Indexed `{fit(filename, 200)}`: {report.added} added, {report.updated} updated, "
             f"{report.unchanged} unchanged, {report.passages} passage(s); "
             f"{report.contradictions_new} new contradiction(s)."]
    for s in report.skipped[:5]:
        lines.append(f"Skipped {fit(s.path, 200)}: {fit(s.reason, 300)}")
    return "\n".join(lines)[:MESSAGE]
