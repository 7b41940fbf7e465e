"""Incremental indexing: load → attribute → split → embed → upsert, per document.

Unchanged files cost a hash; changed files replace their passages; files gone from a scanned folder
leave the index. A file lock in the data directory keeps two runs from interleaving, and the manifest
is written only after a document's passages are stored, so an interrupted run is completed by the next."""
from __future__ import annotations

import fcntl
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from retrieval.corpus.attribution import Attributor
from retrieval.errors import DocumentError, IndexLockedError
from retrieval.corpus.loader import discover, load_document
from retrieval.index.manifest import Manifest
from retrieval.models import Document, IndexReport, Passage, Skipped
from retrieval.index.splitter import PassageSplitter

log = logging.getLogger(__name__)
# bump when attribution, splitting, claims or stemming change: re-index
# (2: Snowball stems; 3: report verbs; 4: labels and lead-ins are not claims, coordinated report verbs)
PIPELINE_VERSION = "4"
PENDING = ":pending"  # manifest fingerprint suffix: passages stored, contradiction detection not yet run

OnChange = Callable[[list[tuple[Document, list[Passage]]], list[str]], int]


@contextmanager
def index_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "index.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError() from None
        yield
    finally:
        os.close(fd)


class Indexer:
    def __init__(self, settings: Any, registry: Any, store: Any, embedder: Any) -> None:
        self.settings = settings
        self.registry = registry
        self.store = store
        self.embedder = embedder
        self.splitter = PassageSplitter(Attributor(registry), settings.chunk_size, settings.chunk_overlap)
        self.manifest = Manifest(settings.db_path)

    def fingerprint(self, sha: str) -> str:
        s = self.settings
        return f"{sha}:{PIPELINE_VERSION}:{s.chunk_size}:{s.chunk_overlap}:{self.embedder.name()}"

    def _targets(self, paths: Sequence[Path] | None) -> list[tuple[Path, Path, bool]]:
        """(file, root, scanned_folder) for every file to consider."""
        corpus = self.settings.corpus_dir.resolve()
        out = []
        for raw in paths or [self.settings.corpus_dir]:
            path = Path(raw).absolute()
            if path.is_dir():
                out += [(f, path, True) for f in discover(path)]
            elif path.resolve().is_relative_to(corpus):
                out.append((path, corpus, False))
            else:
                out.append((path, path.parent, False))
        return out

    def run(self, paths: Sequence[Path] | None = None, progress: bool = False,
            on_change: OnChange | None = None) -> IndexReport:
        with index_lock(self.settings.data_dir):
            return self._run(paths, progress, on_change)

    def _run(self, paths, progress, on_change) -> IndexReport:
        report = IndexReport()
        targets = self._targets(paths)
        known = self.manifest.shas()
        seen: set[str] = set()
        changed: list[tuple[Document, list[Passage]]] = []
        bar = _progress(len(targets), progress)
        pending = PENDING if on_change is not None else ""
        for file, root, _ in targets:
            self._index_file(file, root, known, seen, changed, report, pending)
            bar.update(1)
        bar.close()
        removed = self._remove_missing(targets, paths, known, seen, report)
        if on_change is not None and (changed or removed):
            report.contradictions_new = on_change(changed, removed)
        self._settle(changed, removed, known, pending)
        report.documents = len(seen)
        report.passages = self.store.count()
        return report

    def _settle(self, changed, removed, known, pending) -> None:
        """After detection: mark changed documents done and forget removed ones. A run killed before
        this point leaves them pending, so the next run redoes them, detection included."""
        for doc, passages in changed if pending else ():
            self.manifest.record(doc.doc, known[doc.doc][0], self.fingerprint(doc.sha), doc.source,
                                 doc.title, doc.date, len(passages))
        for doc in removed:
            self.manifest.remove(doc)

    def _index_file(self, file, root, known, seen, changed, report, pending="") -> None:
        try:
            doc = load_document(file, root, self.registry, max_bytes=self.settings.max_file_bytes)
        except DocumentError as exc:
            log.warning("skipped %s", exc.user_message)
            report.skipped.append(Skipped(path=_rel(file, root), reason=_reason(exc.user_message)))
            return
        seen.add(doc.doc)
        fp = self.fingerprint(doc.sha)
        previous = known.get(doc.doc)
        if previous and previous[1] == fp:
            report.unchanged += 1
            return
        passages = self.splitter.split(doc)
        texts = [self.store.embed_text(p, self.registry.display(p.speaker)) for p in passages]
        embeddings = self.embedder.embed(texts)
        old_ids = set(self.store.ids_for_doc(doc.doc))
        self.store.upsert(passages, embeddings)
        self.store.delete_ids(sorted(old_ids - {p.id for p in passages}))
        self.manifest.record(doc.doc, str(root), fp + pending, doc.source, doc.title, doc.date, len(passages))
        known[doc.doc] = (str(root), fp + pending)  # _settle records the final fingerprint
        changed.append((doc, passages))
        if previous:
            report.updated += 1
        else:
            report.added += 1
        log.info("indexed %s: %d passages", doc.doc, len(passages))

    def _remove_missing(self, targets, paths, known, seen, report) -> list[str]:
        scanned_roots = {str(root) for _, root, folder in targets if folder}
        scanned_roots |= {str(Path(p).absolute()) for p in (paths or [self.settings.corpus_dir])
                          if Path(p).is_dir()}
        removed = []
        for doc, (root, _) in known.items():
            if doc in seen or root not in scanned_roots or (Path(root) / doc).exists():
                continue
            self.store.delete_doc(doc)  # the manifest row goes in _settle, once detection has seen it
            removed.append(doc)
            log.info("removed %s from the index", doc)
        report.removed = len(removed)
        return removed


def _rel(file: Path, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return str(file)


def _reason(message: str) -> str:
    return message.split(": ", 1)[1] if ": " in message else message


class _NoBar:
    def update(self, n: int) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="indexing", file=sys.stderr, leave=False)
