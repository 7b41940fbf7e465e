"""Split text into pieces that fit a length limit without losing any of it.

Cuts prefer, in order: a paragraph break, a line break, a sentence end, a space, and only
then a hard cut. The pieces concatenate back to exactly the input (`"".join(pieces) == text`);
the separator stays at the end of the piece before the cut, so callers that strip whitespace
for display lose nothing but whitespace."""
from __future__ import annotations

from retrieval.text import sentence_ends


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of `text`, each at most `limit` characters, in order, concatenating to `text`."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    """Where to cut `text` (longer than `limit`): an index in 1..limit."""
    window = text[: limit + 1]  # a separator right at the limit still counts
    floor = max(1, limit // 4)  # don't produce tiny pieces when a better break exists later on
    for finder in (_last_paragraph, _last_line, _last_sentence, _last_space):
        cut = finder(window, limit)
        if cut is not None and cut >= floor:
            return cut
    return limit


def _last_paragraph(window: str, limit: int) -> int | None:
    i = window.rfind("\n\n", 0, limit)
    if i < 0:
        return None
    end = i + 2
    while end < limit and window[end] == "\n":
        end += 1
    return end


def _last_line(window: str, limit: int) -> int | None:
    i = window.rfind("\n", 0, limit)
    return i + 1 if i >= 0 else None


def _last_sentence(window: str, limit: int) -> int | None:
    cuts = [c for c in sentence_ends(window) if c <= limit]
    if not cuts:
        return None
    cut = cuts[-1]
    while cut < limit and window[cut].isspace():  # the separator stays with the piece before the cut
        cut += 1
    return cut


def _last_space(window: str, limit: int) -> int | None:
    i = window.rfind(" ", 0, limit)
    return i + 1 if i >= 0 else None
