"""Passages: speaker-homogeneous spans small enough to quote, with offsets into the document text."""
from __future__ import annotations

import hashlib

from langchain_text_splitters import RecursiveCharacterTextSplitter

from retrieval.corpus.attribution import Attributor
from retrieval.models import Document, Passage


def passage_id(doc: str, start: int, end: int, text: str) -> str:
    """Stable id: the same span of the same document text always gets the same id."""
    h = hashlib.sha1(f"{doc}\0{start}\0{end}\0{text}".encode()).hexdigest()
    return f"p-{h[:24]}"


class PassageSplitter:
    def __init__(self, attributor: Attributor, chunk_size: int = 500, chunk_overlap: int = 0) -> None:
        self.attributor = attributor
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""], keep_separator="end",
        )

    def split(self, document: Document) -> list[Passage]:
        text = document.text
        passages: list[Passage] = []
        for seg in self.attributor.attribute(text, document.source):
            seg_text = text[seg.start : seg.end]
            for chunk in self._splitter.create_documents([seg_text]):
                local = chunk.metadata["start_index"]
                piece = chunk.page_content
                start = seg.start + local
                # trim whitespace so quotes are clean, keeping offsets exact
                lead = len(piece) - len(piece.lstrip())
                piece = piece.strip()
                start += lead
                end = start + len(piece)
                if not piece or text[start:end] != piece:
                    continue
                passages.append(Passage(
                    id=passage_id(document.doc, start, end, piece), doc=document.doc,
                    source=document.source, speaker=seg.speaker, title=document.title,
                    start=start, end=end, text=piece, date=document.date, url=document.url,
                ))
        return passages
