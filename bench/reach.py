"""Where the labelled pairs of a kept digest run stop on their way to the ledger.

A labelled conflict the digest never shows was lost at one of the detector's stages. For every labelled
pair of the run's corpus (`bench/devset/pairs.json`) this names the first stage that stopped it, with the
run's own claims (SQLite `claims_items`), the shipped embedder and the shipped judge's rules:

- `no_claim`: a quote is not one of the stored claims (the splitter cut it differently);
- `reported`: a claim only reports what another party said, or an omission (never a candidate);
- `same_speaker`: one speaker in one document (never compared);
- `below_floor`: the claims' cosine is under `claim_similarity_floor`, and they do not share a paragraph;
- `beyond_neighbours`: above the floor, but neither is among the other's `claim_neighbours` nearest
  claims by other speakers;
- `gate_topic`, `gate_polarity`: candidates the judge's gate settles before the model (`Judge.gate`);
- `not_judged`: a candidate past the gate that the model never judged (its budget, or a lost pair);
- `judged_no`: the model judged it and it is not in the ledger; `flagged`: it is in the ledger.

Counts are per label (contradiction / compatible / unrelated) and split, so a stage's cost in lost
conflicts reads next to the non-conflicts it stops. Pairs labelled after a run from what it flagged
(notes "Pooled ...") are counted apart (`…:pooled`): they reached the ledger by construction. The ranks
are recomputed over the run's final claims, so they are those of a run that indexed every document at
once, as `bench.digest_eval` does.

    python -m bench.reach KEPT.sqlite --corpus C [--pairs]   # --pairs: one line per labelled pair
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from bench import CORPORA, DEVSET
from bench.digest_eval import _doc_key, _in_corpus, _same, _devset
from bench.pairs import idf_for
from bench.rejudge import _texts

STAGES = ("no_claim", "reported", "same_speaker", "below_floor", "beyond_neighbours", "gate_topic",
          "gate_polarity", "not_judged", "judged_no", "flagged")


def _claims(db: sqlite3.Connection):
    from retrieval.models import Claim

    cols = "id, passage_id, doc, source, speaker, title, start, \"end\", text, date, url"
    return [Claim(*row) for row in db.execute(f"SELECT {cols} FROM claims_items ORDER BY doc, start")]


class Run:
    """A kept run's claims with what the engine would have computed about them."""

    def __init__(self, kept: Path, corpus: str, root: Path = DEVSET) -> None:
        from retrieval.contradictions.engine import is_assertion
        from retrieval.contradictions.judge import Judge
        from retrieval.corpus.sources import SourceRegistry
        from retrieval.index.embeddings import MiniLMEmbedding
        from retrieval.settings import Settings

        with sqlite3.connect(kept) as db:
            self.claims = _claims(db)
            self.judged = {p.split(":")[0] for (p,) in db.execute("SELECT pair FROM claims_verdicts")}
            self.flagged = {r[0] for r in db.execute("SELECT id FROM ledger_contradictions WHERE status != 'retired'")}
        self.registry = SourceRegistry.load(root / corpus / "sources.yaml")
        self.settings = Settings(_env_file=None)
        self.vectors = np.asarray(MiniLMEmbedding().embed([c.text for c in self.claims]))
        self.sims = self.vectors @ self.vectors.T
        self.texts = _texts(root / corpus, {c.doc for c in self.claims}, self.registry)
        self.judge = Judge(None, names=self.registry.display, aliases=self.registry.alias_items(),
                           idf=idf_for(self.claims))
        aliases = self.registry.alias_items()
        self.asserts = [is_assertion(c, aliases) for c in self.claims]

    def find(self, doc: str, quote: str) -> list[int]:
        return [i for i, c in enumerate(self.claims) if c.doc == doc and _same(quote, c.text)]

    def comparable(self, i: int, j: int) -> bool:
        """The engine compares two claims unless one speaker said both on one date (`conflict_kind`)."""
        from retrieval.contradictions.judge import conflict_kind

        return conflict_kind(self.claims[i], self.claims[j]) is not None

    def rank(self, i: int, j: int) -> int:
        """j's place among i's nearest comparable claims (0: the nearest)."""
        order = [k for k in np.argsort(-self.sims[i]) if k != i and self.comparable(i, k)]
        return order.index(j)

    def stage(self, i: int, j: int) -> str:
        from retrieval.contradictions.claims import same_paragraph
        from retrieval.contradictions.ledger import pair_id

        a, b = self.claims[i], self.claims[j]
        if not (self.asserts[i] and self.asserts[j]):
            return "reported"
        if not self.comparable(i, j):
            return "same_speaker"
        key = pair_id(a, b)
        if key in self.flagged:
            return "flagged"
        if key in self.judged:
            return "judged_no"
        sim = float(self.sims[i, j])
        adjacent = a.doc == b.doc and same_paragraph(self.texts[a.doc], a, b)
        if not adjacent and sim < self.settings.claim_similarity_floor:
            return "below_floor"
        want = self.settings.claim_neighbours
        if not adjacent and min(self.rank(i, j), self.rank(j, i)) >= want:
            return "beyond_neighbours"
        gate = self.judge.gate(a, b, adjacent, sim)
        if gate:
            return "gate_topic" if gate == "about different things" else "gate_polarity"
        return "not_judged"

    def furthest(self, doc_a: str, quote_a: str, doc_b: str, quote_b: str) -> str:
        """The latest stage any reading of the pair's quotes as stored claims reached."""
        ia, ib = self.find(doc_a, quote_a), self.find(doc_b, quote_b)
        if not ia or not ib:
            return "no_claim"
        return max((self.stage(i, j) for i in ia for j in ib if i != j), key=STAGES.index, default="no_claim")


def reach(kept: Path, corpus: str) -> dict:
    pairs, _, heldout = _devset()
    run = Run(kept, corpus)
    rows = []
    for p in (p for p in pairs if _in_corpus(p, corpus)):
        stage = run.furthest(_doc_key(corpus, p["a"]["doc"]), p["a"]["quote"],
                             _doc_key(corpus, p["b"]["doc"]), p["b"]["quote"])
        rows.append({"id": p["id"], "label": p["label"], "kind": p["kind"], "split": p["split"],
                     "pooled": p.get("note", "").startswith("Pooled"), "stage": stage})
    out: dict = {"corpus": corpus, "kept": kept.name, "stages": {}}
    for split in ("calibration", "evaluation"):
        for label in ("contradiction", "compatible", "unrelated"):
            for pooled in (False, True):
                n = Counter(r["stage"] for r in rows
                            if (r["split"], r["label"], r["pooled"]) == (split, label, pooled))
                if n:
                    out["stages"][f"{split}:{label}{':pooled' if pooled else ''}"] = {s: n[s] for s in STAGES if n[s]}
    out["pairs"] = rows
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reach", description=__doc__.split("\n")[0])
    parser.add_argument("kept", type=Path, help="a database kept by bench.digest_eval --keep")
    parser.add_argument("--corpus", required=True, choices=CORPORA)
    parser.add_argument("--pairs", action="store_true", help="also list each labelled pair's stage")
    opts = parser.parse_args(argv)
    out = reach(opts.kept, opts.corpus)
    if not opts.pairs:
        out.pop("pairs")
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
