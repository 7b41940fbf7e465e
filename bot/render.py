"""Plain-text rendering for the terminal (CLI and console channel)."""
from __future__ import annotations

import textwrap

from retrieval.compare.models import CompareResult
from retrieval.contradictions.posting import BelowBar
from retrieval.feeds.models import FeedInfo, FetchReport
from retrieval.models import (
    Answer, Citation, Contested, Contradiction, Dismissal, Dispute, IndexReport, SourceInfo,
)
from retrieval.text import clip
from retrieval.vocab import evidence_text

RELATION_TITLES = {
    "agree": "Shared ground", "differ": "Differ", "contradict": "Contradict",
    "only_a": "Only {a}", "only_b": "Only {b}",
}


def _quote(text: str, width: int = 96, indent: str = "     ") -> str:
    return textwrap.fill(f"“{text}”", width=width, initial_indent=indent, subsequent_indent=indent)


def citation_line(c: Citation, label: str | None = None) -> str:
    when = f", {c.date}" if c.date else ""
    head = f"  [{c.n}] " if label is None else f"  {label} "
    return f"{head}{c.speaker} — {c.title}{when} ({c.doc}:{c.start}-{c.end})\n{_quote(c.quote)}"


def short_citation(c: Citation) -> str:
    """One side of a compare row or contradiction: speaker, where, and the quote."""
    return f"    {c.speaker} ({c.doc}:{c.start}-{c.end})\n{_quote(c.quote, indent='      ')}"


def contested_line(c: Contested) -> str:
    """A dispute an answer's citations are part of, for the reader to check before relying on them."""
    cites = " ".join(f"[{n}]" for n in c.cited)
    return f"Contested {cites}: {c.headline} (dispute {c.id}, {c.status}, confidence {c.confidence:.2f})"


def render_answer(a: Answer) -> str:
    lines = [a.answer]
    if not a.grounded:
        lines.append("(no supporting passage in the corpus)")
    if a.citations:
        lines.append("")
        lines.extend(citation_line(c) for c in a.citations)
    for c in a.contested:
        lines += ["", contested_line(c)] + [short_citation(q) for q in c.against]
    return "\n".join(lines)


def render_sources(items: list[SourceInfo]) -> str:
    rows = [f"{'id':<14} {'docs':>4} {'passages':>8}  name (aliases)"]
    for s in items:
        aliases = ", ".join(s.aliases[:5])
        rows.append(f"{s.id:<14} {s.documents:>4} {s.passages:>8}  {s.name} ({aliases})")
    return "\n".join(rows)


def render_index(r: IndexReport) -> str:
    line = (f"Indexed {r.documents} documents, {r.passages} passages: {r.added} added, {r.updated} updated, "
            f"{r.removed} removed, {r.unchanged} unchanged; {r.contradictions_new} new contradictions.")
    if r.contradictions_waiting:
        line += (f"\n{r.contradictions_waiting} candidate pair(s) wait for the model (this run's budget was spent, "
                 "or the model was down); the next index run judges them, with or without new documents.")
    if r.skipped:
        line += f"\nSkipped {len(r.skipped)} file(s):\n" + "\n".join(f"  {s.path}: {s.reason}" for s in r.skipped)
    return line


PAGE_ROWS = 12  # rows per screen after the first (the first holds `first_page`)
RELATION_LABELS = {"contradict": "CONTRADICT", "differ": "DIFFER", "only_a": "ONLY {a}", "only_b": "ONLY {b}",
                   "agree": "AGREE"}


def compare_row(r, a: str, b: str) -> str:
    when = ", ".join(r.dates) or "undated"
    head = f"- [{RELATION_LABELS[r.relation].format(a=a, b=b)}] {r.topic_label or 'untitled'} ({when})"
    lines = [head, f"  {r.summary}"]
    if r.change:
        lines.append(f"  ! {r.change}")
    lines.extend(short_citation(c) for c in r.a + r.b)
    return "\n".join(lines)


def render_compare(res: CompareResult, start: int = 0, count: int | None = None) -> str:
    """The briefing's rows[start:start+count] (default: the first page), and how to see the rest."""
    scope = (f" on {res.topic!r}" if res.topic else "") + (f" since {res.since}" if res.since else "")
    out = [f"Comparing {res.a} and {res.b}{scope}: {len(res.rows)} point(s)"]
    if res.silent and res.rows:
        out.append(f"({' and '.join(res.silent)}: no indexed statement{scope}, so every row is one side's)")
    if not res.rows:
        out.append("Nothing to compare: neither source has indexed passages on this.")
        return "\n".join(out)
    count = res.first_page if count is None else count
    shown = res.rows[start:start + count]
    out.extend(compare_row(r, res.a, res.b) for r in shown)
    left = len(res.rows) - start - len(shown)
    if left > 0:
        out.append(f"\n(rows {start + 1}-{start + len(shown)} of {len(res.rows)}; {left} more: /more in the console, "
                   f"--all in the CLI)")
    return "\n".join(out)


def render_contradictions(items: list[Contradiction]) -> str:
    if not items:
        return "No contradictions."
    out = []
    for c in items:
        kind = f" {c.kind}," if c.kind != "contradiction" else ""
        dispute = f" in dispute {c.dispute}" if c.dispute else ""
        dispute += f" (confidence {c.confidence:.2f})" if c.confidence is not None else ""
        out.append(f"#{c.id} [{c.status}]{kind} score {c.score:.2f}, first seen {c.first_seen}{dispute}\n"
                   f"  {c.explanation}")
        out.append(short_citation(c.a))
        out.append(short_citation(c.b))
    return "\n".join(out)


def render_feeds(items: list[FeedInfo]) -> str:
    if not items:
        return "No feeds: add `feeds:` to a source in sources.yaml, or `analyst sources add ID --feed URL`."
    out = []
    for f in items:
        state = f"error: {f.error}" if f.error else "ok"
        out.append(f"{f.source:<12} {f.url}\n    last polled {f.last_polled or 'never'}, last new item "
                   f"{f.last_new or 'never'}, {f.items} item(s) stored; {state}")
    return "\n".join(out)


def fetch_status(f) -> str:
    """One feed's poll in words: "2 new", "not modified", "failed (reason)"."""
    what = {"ok": f"{f.new} new", "not_modified": "not modified", "error": "failed"}[f.status]
    return what + (f" ({f.error})" if f.error else "")


def render_fetch(report: FetchReport) -> str:
    if not report.feeds:
        return "No feeds to poll."
    out = []
    for f in report.feeds:
        out.append(f"{f.source:<12} {f.url}: {fetch_status(f)}")
    if any(f.new for f in report.feeds):
        out.append(render_index(report.index))
    return "\n".join(out)


def render_feedback(items: list[dict]) -> str:
    if not items:
        return "No feedback yet."
    out = []
    for f in items:
        vote = "👍" if f["vote"] == "up" else "👎"
        reason = f" — {f['reason']}" if f.get("reason") else ""
        answer = textwrap.shorten(f["answer"], 160, placeholder=" …")
        out.append(f"{vote} {f['at']} user {f['user']} (request {f['request_id']}){reason}\n"
                   f"  Q: {textwrap.shorten(f['question'], 160, placeholder=' …')}\n  A: {answer}"
                   f" [{len(f['citations'])} citation(s)]")
    return "\n".join(out)


def dispute_head(d: Dispute) -> str:
    extra = " · new evidence" if d.new_evidence else ""
    seen = d.first_seen if d.first_seen == d.last_seen else f"{d.first_seen}, last seen {d.last_seen}"
    return (f"{d.id} [{d.status}] {d.kind} · confidence {d.confidence:.2f} ({evidence_text(d.evidence)}) · "
            f"{len(d.pairs)} pair(s) · first seen {seen}{extra}")


def render_dispute(d: Dispute) -> str:
    out = [dispute_head(d), f"  {d.headline}"]
    if d.points:
        out.append("  Key pairs: " + "; ".join(f"[{p.a.n}] {p.a.speaker} against [{p.b.n}] {p.b.speaker} "
                                               f"(judge {p.score:.2f})" for p in d.points))
    for side in (1, 2):
        out.append(f"  Side {side}:")
        for s in (s for s in d.sides if s.side == side):
            for c in s.citations:
                when = f", {c.date}" if c.date else ""
                out.append(f"    [{c.n}] {s.speaker} ({c.doc}:{c.start}-{c.end}{when})\n"
                           f"{_quote(c.quote, indent='      ')}")
    out.append(f"  pairs: {', '.join(d.pairs)}")
    return "\n".join(out)


def below_bar(bb: BelowBar, listing: str, opening: str, headline_chars: int = 150) -> str:
    """The digest's lines on disputes below its confidence bar: the strongest not named before, one
    line each (never posted as items), then how many arrived since the last digest, with the commands
    that list them (`listing`) and open one (`opening`)."""
    lines = []
    if bb.named:
        lines.append(f"Possible disputes, below the confidence bar (named once, not posted as items; "
                     f"{opening} opens one):")
        lines += [f"• {clip(d.headline, headline_chars)} (`{d.id}`, confidence {d.confidence:.2f}: "
                  f"{evidence_text(d.evidence)})" for d in bb.named]
    more = f"{bb.unnamed} more to name in later digests; " if bb.unnamed else ""
    if bb.since or more:
        lines.append(f"Below the confidence bar: {more}{bb.since} possible dispute(s) since the last digest "
                     f"({listing} lists them).")
    return "\n".join(lines)


def render_disputes(items: list[Dispute], status: str = "new") -> str:
    if not items:
        return f"No {status} disputes." if status != "all" else "No disputes."
    return "\n\n".join(render_dispute(d) for d in items)


def render_dismissal(r: Dismissal) -> str:
    if r.target == "dispute":
        n = len(r.dispute.pairs) if r.dispute else 0
        if r.already:
            return f"Dispute {r.id} was already dismissed."
        return f"Dismissed dispute {r.id} and its {n} pair(s)."
    if r.already:
        return f"Contradiction #{r.id} was already dismissed."
    where = ""
    if r.dispute is not None:
        where = (f" Its dispute {r.dispute.id} is dismissed too." if r.dispute.status == "dismissed"
                 else f" Its dispute {r.dispute.id} stays {r.dispute.status} with its other pairs.")
    return f"Dismissed #{r.id}.{where}"
