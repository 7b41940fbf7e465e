"""Embeds for Discord: answers with numbered citations, comparisons, disputes, contradictions, sources.

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
from retrieval.models import (
    Answer, Citation, CompareResult, Contradiction, Dispute, IndexReport, SourceInfo,
)

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
RELATIONS = [("contradict", "Contradict"), ("differ", "Differ"), ("agree", "Agree"),
             ("only_a", "Only in A"), ("only_b", "Only in B")]

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
    reserve = len(title) + (len(footer) if footer else 0)
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
def _who(sid: str, names: dict[str, str]) -> str:
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
    head = f"{label} {_who(c.speaker, names)}" + (f" — {c.title or c.doc}" if title else "")
    meta = f"{fit(c.date or 'undated', 40)} · {fit(c.doc, 300)}"
    if c.source != c.speaker:
        meta += f" · via {fit(_who(c.source, names), 100)}"
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
        lines.append(f"{quote_block(c.quote, 900)}\n[{c.n}] {fit(_who(c.speaker, names), 100)}"
                     + (f" — {where}" if where else ""))
    return "\n".join(lines)


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
    description = body + ("\n\n" + "\n".join(f"*{fit(n, 500)}*" for n in notes) if notes else "")
    footer = f"{answer.mode} · {len(answer.citations)} source(s)" + ("" if answer.grounded else " · not answered")
    return group(pack(fit("Q: " + question, TITLE), description, fields, color=BLUE, footer=footer))


PAGE_ROWS = 12  # rows per page after the first (which holds `result.first_page`)
REL_SHORT = {"contradict": "Contradict", "differ": "Differ", "agree": "Agree", "only_a": "Only {a}",
             "only_b": "Only {b}"}


def compare_pages(result: CompareResult) -> list[tuple[int, int]]:
    """(start, end) row ranges of the briefing's pages: the first screen, then PAGE_ROWS each."""
    first = result.first_page or min(PAGE_ROWS, len(result.rows))
    pages = [(0, first)]
    while pages[-1][1] < len(result.rows):
        s = pages[-1][1]
        pages.append((s, min(len(result.rows), s + PAGE_ROWS)))
    return pages


def _compare_head(result: CompareResult, names: dict[str, str]) -> tuple[str, str, str]:
    a, b = _who(result.a, names), _who(result.b, names)
    scope = (f" on {result.topic}" if result.topic else "") + (f" since {result.since}" if result.since else "")
    return a, b, f"{a} vs {b}{scope}"


def compare_page_embed(result: CompareResult, names: dict[str, str], page: int) -> discord.Embed:
    """One page of the briefing as one embed (within every limit): a field per row."""
    a, b, head = _compare_head(result, names)
    pages = compare_pages(result)
    start, end = pages[page]
    fields = []
    for i in range(start, end):
        r = result.rows[i]
        rel = REL_SHORT[r.relation].format(a=a, b=b)
        name = fit(f"{i + 1}. {rel} · {r.topic_label or 'untitled'} · {', '.join(r.dates) or 'undated'}", FIELD_NAME)
        fields.append((name, _row_value(r, a, b, budget=min(FIELD_VALUE, 5200 // max(1, end - start) - 60))))
    color = RED if any(result.rows[i].relation == "contradict" for i in range(start, end)) else PURPLE
    footer = f"Page {page + 1}/{len(pages)} · rows {start + 1}-{end} of {len(result.rows)}"
    [embed] = pack(fit(head, TITLE), "", fields, color=color, footer=footer)
    while len(embed) > EMBED_TOTAL:  # never reached with the budgets above; a last guard
        embed.remove_field(-1)
    return embed


def _row_value(row, a: str, b: str, budget: int) -> str:
    lines = [fit(row.summary, max(60, budget // 3))]
    if row.change:
        lines.append("*" + fit(row.change, 150) + "*")
    parts = [(a, c) for c in row.a[:1]] + [(b, c) for c in row.b[:1]]
    room = max(40, (budget - sum(map(len, lines)) - 40) // max(1, len(parts)) - 30)
    for who, c in parts:
        lines.append(f"**{fit(who, 30)}**: " + quote_block(c.quote, room)[2:])
    return "\n".join(lines)[:budget]


def row_quotes_embeds(result: CompareResult, names: dict[str, str], index: int) -> list[discord.Embed]:
    """A row's full quotes, each cited (for the ephemeral "quotes" reply)."""
    a, b, head = _compare_head(result, names)
    row = result.rows[index]
    desc = fit(row.summary, 1500) + (f"\n*{fit(row.change, 300)}*" if row.change else "")
    fields = [citation_field(c, names, f"[{c.n}]") for c in (*row.a, *row.b)]
    title = fit(f"{index + 1}. {row.topic_label or row.relation} · {head}", TITLE)
    return pack(title, desc, fields, color=RED if row.relation == "contradict" else PURPLE)


def compare_fallback(result: CompareResult, names: dict[str, str]) -> str:
    """A short plain-text version: what the briefing holds (for clients without embeds)."""
    a, b, head = _compare_head(result, names)
    if not result.rows:
        return fit(f"No comparable statements found for {head}.", MESSAGE)
    counts = {rel: sum(r.relation == rel for r in result.rows) for rel in REL_SHORT}
    parts = [f"{n} {REL_SHORT[rel].format(a=a, b=b).lower()}" for rel, n in counts.items() if n]
    top = [f"{i + 1}. {REL_SHORT[r.relation].format(a=a, b=b)}: {r.topic_label}"
           for i, r in enumerate(result.rows[:3])]
    return fit(f"{head}: {len(result.rows)} points ({', '.join(parts)}). " + "; ".join(top), 600)


def render_compare(result: CompareResult, names: dict[str, str]) -> list[Outgoing]:
    """The first page as one message (plain-text fallback + one embed); the view adds the rest."""
    text = compare_fallback(result, names)
    if not result.rows:
        return [Outgoing(content=text)]
    return [Outgoing(content=text, embeds=[compare_page_embed(result, names, 0)])]


# ---- contradictions --------------------------------------------------------------------------
def contradiction_embed(k: int, c: Contradiction, names: dict[str, str]) -> discord.Embed:
    title = fit(f"#{k} {_who(c.a.speaker, names)} vs {_who(c.b.speaker, names)}", TITLE)
    desc = fit(c.explanation or "Conflicting statements.", 1500)
    kind = f" · {c.kind}" if c.kind != "contradiction" else ""
    desc += f"\n`{c.id}` · score {c.score:.2f} · {c.status}{kind} · first seen {fit(c.first_seen, 40)}"
    if c.dispute:
        desc += f"\nPart of dispute `{fit(c.dispute, 40)}`"
    [e] = pack(title, desc, [citation_field(c.a, names, "A"), citation_field(c.b, names, "B")],
               color=RED)
    return e


def render_contradictions(items: Sequence[Contradiction], names: dict[str, str],
                          heading: str) -> list[Outgoing]:
    """One embed per contradiction; each message records the ids it carries."""
    if not items:
        return [Outgoing(content=fit(heading, MESSAGE))]
    out: list[Outgoing] = []
    for k, c in enumerate(items, 1):
        e = contradiction_embed(k, c, names)
        cur = out[-1] if out else None
        if cur is None or len(cur.embeds) >= EMBEDS or sum(map(len, cur.embeds)) + len(e) > EMBED_TOTAL:
            cur = Outgoing()
            out.append(cur)
        cur.embeds.append(e)
        cur.ids.append(c.id)
    out[0].content = fit(heading, MESSAGE)
    return out


# ---- disputes --------------------------------------------------------------------------------
DIGEST_MARKER = "Analyst digest · dispute "  # the digest's footer: how a restart finds what it posted
DISPUTE_EMBED = 3000  # one dispute's embed stays under this, so a few fit in one message
KIND_COLOR = {"contradiction": RED, "changed position": PURPLE, "later contradicted": AMBER}


def digest_marker(dispute_id: str) -> str:
    return DIGEST_MARKER + dispute_id


def marker_id(footer: str | None) -> str | None:
    """The dispute id in a digest message's footer, if it is one."""
    if footer and footer.startswith(DIGEST_MARKER):
        rest = footer[len(DIGEST_MARKER):].split()
        return rest[0] if rest else None
    return None


def _side_field(side: int, speaker: str, citations: Sequence[Citation], names: dict[str, str],
                budget: int) -> tuple[str, str]:
    name = fit(f"Side {side} · {_who(speaker, names)}", FIELD_NAME)
    per = max(80, (min(FIELD_VALUE, budget) - 10) // max(1, min(len(citations), 3)) - 70)
    lines = []
    for c in citations[:3]:
        meta = f"{fit(c.date or 'undated', 20)} · {fit(c.title or c.doc, 60)}"
        lines.append(quote_block(c.quote, per) + "\n" + meta)
    if len(citations) > 3:
        lines.append(f"*and {len(citations) - 3} more claim(s)*")
    return name, "\n".join(lines)[:FIELD_VALUE]


def dispute_embed(d: Dispute, names: dict[str, str], *, digest: bool = False, note: str = "") -> discord.Embed:
    """One dispute: the headline as title; kind, confidence, pairs, status and dates; each side's
    speakers with their quotes. In the digest its footer carries the marker that makes posting
    exactly-once across restarts."""
    dismissed = d.status == "dismissed"
    title = fit(("Dismissed: " if dismissed else "") + d.headline, TITLE)
    seen = fit(d.first_seen, 40) if d.first_seen == d.last_seen else \
        f"{fit(d.first_seen, 40)}, last {fit(d.last_seen, 40)}"
    desc = (f"**{d.kind}** · confidence {d.confidence:.2f} · {len(d.pairs)} pair(s) · {d.status}\n"
            f"`{fit(d.id, 40)}` · first seen {seen}")
    if d.new_evidence:
        desc += "\n*New evidence since it was posted.*"
    if note:
        desc += "\n" + note
    budget = DISPUTE_EMBED - len(title) - len(desc) - 100
    sides = [s for side in (1, 2) for s in d.sides if s.side == side][:8]
    fields = []
    for s in sides:
        name, value = _side_field(s.side, s.speaker, s.citations, names, budget // max(1, len(sides)))
        fields.append((name, value))
    if len(d.sides) > len(sides):
        fields.append(("More", f"{len(d.sides) - len(sides)} more speaker(s); see `disputes` in the CLI."))
    footer = digest_marker(d.id) if digest else f"dispute {d.id}"
    color = GREY if dismissed else KIND_COLOR.get(str(d.kind), RED)
    [e] = pack(title, desc, fields, color=color, footer=footer)
    return e


def render_disputes(items: Sequence[Dispute], names: dict[str, str], heading: str) -> list[Outgoing]:
    """One embed per dispute, several per message within the limits; each message records its ids."""
    out: list[Outgoing] = []
    for d in items:
        e = dispute_embed(d, names)
        cur = out[-1] if out else None
        if cur is None or len(cur.embeds) >= EMBEDS or sum(map(len, cur.embeds)) + len(e) > EMBED_TOTAL:
            cur = Outgoing()
            out.append(cur)
        cur.embeds.append(e)
        cur.ids.append(d.id)
    if not out:
        return [Outgoing(content=fit(heading, MESSAGE))]
    out[0].content = fit(heading, MESSAGE)
    return out


def digest_item(d: Dispute, names: dict[str, str], content: str = "") -> Outgoing:
    """One digest message: one dispute (its Dismiss button goes with it), marked in its footer."""
    return Outgoing(content=fit(content, MESSAGE) if content else "", embeds=[dispute_embed(d, names, digest=True)],
                    ids=[d.id])


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
