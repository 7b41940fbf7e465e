"""Discord rendering of `/compare`: the briefing's pages (first screen, then fixed-size pages) and
each row's quotes; pure, under Discord's limits (see `render`)."""
from __future__ import annotations

import discord

from bot.discord.render import (
    EMBED_TOTAL, FIELD_VALUE, MESSAGE, PURPLE, RED, TITLE, Outgoing, citation_field, fit, pack, quote_block,
    speaker_name,
)
from retrieval.compare.models import CompareResult


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
    a, b = speaker_name(result.a, names), speaker_name(result.b, names)
    scope = (f" on {result.topic}" if result.topic else "") + (f" since {result.since}" if result.since else "")
    return a, b, f"{a} vs {b}{scope}"


def compare_page_embed(result: CompareResult, names: dict[str, str], page: int) -> discord.Embed:
    """One page of the briefing as one embed: a field per row. The rows share what the 6000-character
    limit leaves after the title, footer and field names, so a long topic, a long speaker name or
    rows with many dates shorten the quotes instead of overflowing the embed."""
    a, b, head = _compare_head(result, names)
    pages = compare_pages(result)
    start, end = pages[page]
    title = fit(head, TITLE)
    footer = f"Page {page + 1}/{len(pages)} · rows {start + 1}-{end} of {len(result.rows)}"
    names_ = [_row_name(result.rows[i], i, a, b) for i in range(start, end)]
    room = EMBED_TOTAL - len(title) - len(footer) - sum(map(len, names_)) - 10
    budget = min(FIELD_VALUE, room // max(1, end - start))
    color = RED if any(result.rows[i].relation == "contradict" for i in range(start, end)) else PURPLE
    embed = discord.Embed(title=title, color=color)
    for i, name in zip(range(start, end), names_):
        embed.add_field(name=name, value=_row_value(result.rows[i], a, b, budget) or "\u200b", inline=False)
    embed.set_footer(text=footer)
    return embed


def _row_name(row, i: int, a: str, b: str) -> str:
    rel = REL_SHORT[row.relation].format(a=a, b=b)
    dates = ", ".join(row.dates) or "undated"
    if len(row.dates) > 3:
        dates = f"{row.dates[0]} to {row.dates[-1]} ({len(row.dates)} dates)"
    return fit(f"{i + 1}. {rel} · {fit(row.topic_label or 'untitled', 80)} · {dates}", 160)


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
    silent = " and ".join(speaker_name(s, names) for s in result.silent)
    note = f" {silent}: no indexed statement, so every point is one side's." if silent else ""
    return fit(f"{head}: {len(result.rows)} points ({', '.join(parts)}).{note} " + "; ".join(top), 600)


def render_compare(result: CompareResult, names: dict[str, str]) -> list[Outgoing]:
    """The first page as one message (plain-text fallback + one embed); the view adds the rest."""
    text = compare_fallback(result, names)
    if not result.rows:
        return [Outgoing(content=text)]
    return [Outgoing(content=text, embeds=[compare_page_embed(result, names, 0)])]
