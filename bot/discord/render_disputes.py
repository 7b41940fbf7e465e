"""Discord rendering of contradictions (one embed each) and disputes (the digest's items, with
their footer marker); pure, under Discord's limits (see `render`)."""
from __future__ import annotations

from typing import Sequence

import discord

from bot.discord.render import (
    AMBER, EMBED_TOTAL, EMBEDS, FIELD_NAME, FIELD_VALUE, GREY, MESSAGE, PURPLE, RED, TITLE, Outgoing, speaker_name,
    citation_field, fit, pack, plain, quote_block,
)
from retrieval.models import Citation, Contradiction, Dispute, DisputePoint
from retrieval.vocab import evidence_text


# ---- contradictions --------------------------------------------------------------------------
def contradiction_embed(k: int, c: Contradiction, names: dict[str, str]) -> discord.Embed:
    title = fit(f"#{k} {speaker_name(c.a.speaker, names)} vs {speaker_name(c.b.speaker, names)}", TITLE)
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
    return _packed([(c.id, contradiction_embed(k, c, names)) for k, c in enumerate(items, 1)], heading)


def _packed(embeds: Sequence[tuple[str, discord.Embed]], heading: str) -> list[Outgoing]:
    """(id, embed) pairs packed several to a message within Discord's limits, the heading first."""
    out: list[Outgoing] = []
    for item_id, e in embeds:
        cur = out[-1] if out else None
        if cur is None or len(cur.embeds) >= EMBEDS or sum(map(len, cur.embeds)) + len(e) > EMBED_TOTAL:
            cur = Outgoing()
            out.append(cur)
        cur.embeds.append(e)
        cur.ids.append(item_id)
    if not out:
        return [Outgoing(content=plain(heading, MESSAGE))]  # our own text: document text in it is escaped
    out[0].content = plain(heading, MESSAGE)
    return out


# ---- disputes --------------------------------------------------------------------------------
DIGEST_MARKER = "Analyst digest · dispute "  # the digest's footer: how a restart finds what it posted
DISPUTE_EMBED = 3000  # one dispute's embed stays under this, so a few fit in one message
POINT_QUOTE = 200  # characters of each quote in a key pair
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
    name = fit(f"Side {side} · {speaker_name(speaker, names)}", FIELD_NAME)
    per = max(80, (min(FIELD_VALUE, budget) - 10) // max(1, min(len(citations), 3)) - 70)
    lines = []
    for c in citations[:3]:
        meta = f"{fit(c.date or 'undated', 20)} · {fit(c.title or c.doc, 60)}"
        lines.append(quote_block(c.quote, per) + "\n" + meta)
    if len(citations) > 3:
        lines.append(f"*and {len(citations) - 3} more claim(s)*")
    return name, "\n".join(lines)[:FIELD_VALUE]


def _point_field(k: int, p: DisputePoint, names: dict[str, str]) -> tuple[str, str]:
    """One key pair: what side 1 said against what side 2 said, quoted short."""
    name = fit(f"Point {k} · {fit(speaker_name(p.a.speaker, names), 100)} vs "
               f"{fit(speaker_name(p.b.speaker, names), 100)}", FIELD_NAME)
    value = f"{quote_block(p.a.quote, POINT_QUOTE)}\n*against*\n{quote_block(p.b.quote, POINT_QUOTE)}"
    return name, value[:FIELD_VALUE]


def dispute_embed(d: Dispute, names: dict[str, str], *, digest: bool = False, note: str = "") -> discord.Embed:
    """One dispute: the headline as title; kind, confidence, pairs, status and dates; its key pairs
    (what conflicts with what); each side's speakers with their quotes. In the digest its footer
    carries the marker that makes posting exactly-once across restarts."""
    dismissed = d.status == "dismissed"
    title = fit(("Dismissed: " if dismissed else "") + d.headline, TITLE)
    seen = fit(d.first_seen, 40) if d.first_seen == d.last_seen else \
        f"{fit(d.first_seen, 40)}, last {fit(d.last_seen, 40)}"
    desc = (f"**{d.kind}** · confidence {d.confidence:.2f} ({evidence_text(d.evidence)}) · "
            f"{len(d.pairs)} pair(s) · {d.status}\n"
            f"`{fit(d.id, 40)}` · first seen {seen}")
    if d.new_evidence:
        desc += "\n*New evidence since it was posted.*"
    if note:
        desc += "\n" + note
    fields = [_point_field(k, p, names) for k, p in enumerate(d.points, 1)]
    used = len(title) + len(desc) + sum(len(n) + len(v) for n, v in fields)
    budget = DISPUTE_EMBED - used - 100
    sides = [s for side in (1, 2) for s in d.sides if s.side == side][:6 if fields else 8]
    footer = digest_marker(d.id) if digest else f"dispute {d.id}"
    fixed = used + len(footer) + 150
    for n, s in enumerate(sides):
        name, value = _side_field(s.side, s.speaker, s.citations, names, budget // max(1, len(sides)))
        if fixed + len(name) + len(value) > EMBED_TOTAL:  # long names: the rest is counted under "More"
            sides = sides[:n]
            break
        fixed += len(name) + len(value)
        fields.append((name, value))
    if len(d.sides) > len(sides):
        fields.append(("More", f"{len(d.sides) - len(sides)} more speaker(s); see `disputes` in the CLI."))
    color = GREY if dismissed else KIND_COLOR.get(str(d.kind), RED)
    [e] = pack(title, desc, fields, color=color, footer=footer)
    return e


def render_disputes(items: Sequence[Dispute], names: dict[str, str], heading: str) -> list[Outgoing]:
    """One embed per dispute, several per message within the limits; each message records its ids."""
    return _packed([(d.id, dispute_embed(d, names)) for d in items], heading)


def digest_item(d: Dispute, names: dict[str, str], content: str = "") -> Outgoing:
    """One digest message: one dispute (its Dismiss button goes with it), marked in its footer."""
    return Outgoing(content=plain(content, MESSAGE) if content else "", embeds=[dispute_embed(d, names, digest=True)],
                    ids=[d.id])
