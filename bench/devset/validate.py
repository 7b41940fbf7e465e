"""Validate the development set in bench/devset/ (standard library + PyYAML only; imports nothing
from the project, so it keeps working while the code is restructured).

    python bench/devset/validate.py          # exit status 0 when everything passes

Checks:
- documents: UTF-8, YAML front matter with source/title/date/url, `source` known to the folder's
  sources.yaml (id or alias), body of 250-700 words;
- pairs.json: unique ids, every quote an exact substring of its document's body (after front matter),
  valid label/kind/split, kind allowed for the label, dispute set iff contradiction, split follows the
  held-out rule, every split holds all three labels, every hard kind appears at least 4 times;
- disputes.json: ids unique, every contradiction pair listed under its own dispute and nothing else;
- questions.json: valid fields, split follows the held-out rule, answers present in the cited docs,
  month/weekday traps really absent from the answering doc, absent entities really absent;
- compare.json: every expected string occurs in one of the case's source docs, split follows the rule;
- numbers.json, numbers-calibration.json: unique ids, label conflict or compatible, two sentences each, both labels.
Prints counts per label / kind / split at the end."""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SEED = REPO / "corpus" / "trump-putin-call-2025-03-18.md"
CORPORA = tuple(sorted(p.parent.name for p in HERE.glob("*/sources.yaml")))  # folders with their own sources
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)

LABELS = {"contradiction", "compatible", "unrelated"}
KINDS_FOR = {
    "contradiction": {"direct", "changed_position", "later_contradicted", "wrong_owner", "no_negation_word",
                      "units_words"},
    "compatible": {"different_actors", "compatible_lookalike", "different_quantities", "paraphrase",
                   "wrong_owner", "units_words"},
    "unrelated": {"topic_only", "unrelated"},
}
KINDS = {"direct", "changed_position", "later_contradicted", "wrong_owner", "different_actors",
         "compatible_lookalike", "different_quantities", "no_negation_word", "units_words", "paraphrase",
         "topic_only", "unrelated"}
HARD = {"changed_position", "later_contradicted", "wrong_owner", "different_actors", "compatible_lookalike",
        "different_quantities", "no_negation_word", "units_words", "paraphrase"}
SPLITS = {"calibration", "evaluation"}
DISPUTE_KINDS = {"contradiction", "changed position", "later contradicted"}
TRAPS = {"none", "keyword_in_irrelevant_passage", "month", "weekday", "paraphrase", "absent_entity",
         "wrong_speaker", "injection"}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def path_of(doc: str) -> Path:
    return SEED if doc == "seed" else HERE / doc


_bodies: dict[str, str] = {}


def body(doc: str) -> str:
    if doc not in _bodies:
        p = path_of(doc)
        if not p.is_file():
            err(f"missing document {doc!r} ({p})")
            _bodies[doc] = ""
        else:
            text = p.read_bytes().decode("utf-8")
            m = _FRONT.match(text)
            _bodies[doc] = text[m.end():] if m else text
    return _bodies[doc]


def load_registry(folder: Path) -> set[str]:
    data = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    names = set()
    for sid, spec in data.items():
        names.add(sid.lower())
        names.add(str(spec.get("name", sid)).lower())
        names.update(str(a).lower() for a in spec.get("aliases", []))
    return names


def check_documents() -> dict[str, list[str]]:
    docs: dict[str, list[str]] = {}
    base = set(yaml.safe_load((REPO / "corpus" / "sources.yaml").read_text(encoding="utf-8"))["sources"])
    for corpus in CORPORA:
        folder = HERE / corpus
        names = load_registry(folder)
        ids = set(yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))["sources"])
        if corpus == "march2025" and not base <= ids:
            err(f"{corpus}/sources.yaml lacks ids of corpus/sources.yaml: {sorted(base - ids)}")
        docs[corpus] = []
        for p in sorted(folder.glob("*.md")):
            rel = f"{corpus}/{p.name}"
            docs[corpus].append(rel)
            text = p.read_bytes().decode("utf-8")
            m = _FRONT.match(text)
            if not m:
                err(f"{rel}: no front matter")
                continue
            meta = yaml.safe_load(m.group(1))
            for key in ("source", "title", "date", "url"):
                if not meta.get(key):
                    err(f"{rel}: front matter lacks {key}")
            if str(meta.get("source", "")).lower() not in names:
                err(f"{rel}: source {meta.get('source')!r} not in {corpus}/sources.yaml")
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta.get("date"))):
                err(f"{rel}: date must be YYYY-MM-DD")
            words = len(text[m.end():].split())
            if not 250 <= words <= 700:
                err(f"{rel}: body has {words} words (want 250-700)")
    return docs


def heldout_ok(docs_touched: set[str], heldout: set[str], split: str, what: str) -> None:
    want = "evaluation" if docs_touched & heldout else "calibration"
    if split != want:
        err(f"{what}: split {split!r} but held-out rule says {want!r} (docs {sorted(docs_touched)})")


def check_pairs(all_docs: set[str]) -> tuple[list[dict], set[str]]:
    data = json.loads((HERE / "pairs.json").read_text(encoding="utf-8"))
    heldout = set(data["heldout_docs"])
    for d in heldout:
        if d not in all_docs:
            err(f"heldout doc {d!r} does not exist")
    pairs = data["pairs"]
    seen = set()
    for p in pairs:
        pid = p.get("id")
        if pid in seen:
            err(f"duplicate pair id {pid}")
        seen.add(pid)
        for side in ("a", "b"):
            doc, quote = p[side]["doc"], p[side]["quote"]
            if doc != "seed" and doc not in all_docs:
                err(f"{pid}.{side}: unknown doc {doc!r}")
                continue
            if not quote.strip() or quote not in body(doc):
                err(f"{pid}.{side}: quote not found verbatim in {doc}: {quote[:80]!r}")
            if len(quote) < 12:
                err(f"{pid}.{side}: quote too short to be a claim")
        if p["a"] == p["b"]:
            err(f"{pid}: a and b are identical")
        label, kind, split = p.get("label"), p.get("kind"), p.get("split")
        if label not in LABELS:
            err(f"{pid}: bad label {label!r}")
        if kind not in KINDS:
            err(f"{pid}: bad kind {kind!r}")
        elif label in KINDS_FOR and kind not in KINDS_FOR[label]:
            err(f"{pid}: kind {kind!r} not allowed for label {label!r}")
        if split not in SPLITS:
            err(f"{pid}: bad split {split!r}")
        if (label == "contradiction") != bool(p.get("dispute")):
            err(f"{pid}: dispute must be set iff label is contradiction")
        if not p.get("note"):
            err(f"{pid}: missing note")
        heldout_ok({p["a"]["doc"], p["b"]["doc"]}, heldout, split, pid)
    for split in SPLITS:
        labels = {p["label"] for p in pairs if p["split"] == split}
        if labels != LABELS:
            err(f"split {split} lacks labels {sorted(LABELS - labels)}")
    kinds = Counter(p["kind"] for p in pairs)
    for k in HARD:
        if kinds[k] < 4:
            err(f"hard kind {k} appears {kinds[k]} times (want >= 4)")
    return pairs, heldout


def check_disputes(pairs: list[dict]) -> list[dict]:
    disputes = json.loads((HERE / "disputes.json").read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in pairs}
    ids = set()
    listed = {}
    for d in disputes:
        if d["id"] in ids:
            err(f"duplicate dispute id {d['id']}")
        ids.add(d["id"])
        if d.get("kind") not in DISPUTE_KINDS:
            err(f"dispute {d['id']}: bad kind {d.get('kind')!r}")
        if not d.get("question", "").endswith("?"):
            err(f"dispute {d['id']}: question should be a question")
        if not d.get("pairs"):
            err(f"dispute {d['id']}: no pairs")
        for pid in d.get("pairs", []):
            p = by_id.get(pid)
            if p is None:
                err(f"dispute {d['id']}: unknown pair {pid}")
            elif p["dispute"] != d["id"]:
                err(f"dispute {d['id']}: pair {pid} has dispute {p['dispute']!r}")
            listed[pid] = d["id"]
    for p in pairs:
        if p["label"] == "contradiction":
            if p["dispute"] not in ids:
                err(f"{p['id']}: dispute {p['dispute']!r} not in disputes.json")
            elif p["id"] not in listed:
                err(f"{p['id']}: not listed under dispute {p['dispute']}")
    return disputes


def check_questions(docs: dict[str, list[str]], heldout: set[str]) -> list[dict]:
    data = json.loads((HERE / "questions.json").read_text(encoding="utf-8"))
    qs = data["questions"]
    seen = set()
    for q in qs:
        qid = q.get("id")
        if qid in seen:
            err(f"duplicate question id {qid}")
        seen.add(qid)
        corpus = q.get("corpus")
        if corpus not in CORPORA:
            err(f"{qid}: bad corpus {corpus!r}")
            continue
        if q.get("expect") not in {"answer", "refuse"}:
            err(f"{qid}: bad expect {q.get('expect')!r}")
        if q.get("trap") not in TRAPS:
            err(f"{qid}: bad trap {q.get('trap')!r}")
        if q.get("split") not in SPLITS:
            err(f"{qid}: bad split {q.get('split')!r}")
        pool = docs[corpus] + (["seed"] if corpus == "march2025" else [])
        if q.get("expect") == "answer":
            src = q.get("source_docs") or []
            if not src or not q.get("any"):
                err(f"{qid}: an answerable question needs `any` and `source_docs`")
            for d in src:
                if d not in pool:
                    err(f"{qid}: source doc {d!r} is not in corpus {corpus}")
            texts = [body(d).lower() for d in src if d in pool]
            if texts and not any(a.lower() in t for a in q.get("any", []) for t in texts):
                err(f"{qid}: no `any` term occurs in its source docs")
            heldout_ok(set(src), heldout, q.get("split"), qid)
            words = re.findall(r"[a-z]+", q["q"].lower())
            if q.get("trap") in ("month", "weekday"):
                names = MONTHS if q["trap"] == "month" else WEEKDAYS
                named = [w for w in words if w in names]
                if not named:
                    err(f"{qid}: {q['trap']} trap names no {q['trap']}")
                for w in named:
                    for d, t in zip(src, texts):
                        if re.search(rf"\b{w}\b", t):
                            err(f"{qid}: {q['trap']} trap word {w!r} occurs in source doc {d}")
        else:
            if q.get("any"):
                err(f"{qid}: a refuse question should have an empty `any`")
            absent = q.get("absent") or []
            if q.get("trap") == "absent_entity" and not absent:
                err(f"{qid}: absent_entity trap needs `absent` terms")
            for term in absent:
                for d in pool:
                    if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", body(d), re.IGNORECASE):
                        err(f"{qid}: 'absent' term {term!r} occurs in {d}")
            if q.get("split") != "evaluation" and q.get("split") != "calibration":
                err(f"{qid}: bad split")
    return qs


def check_compare(heldout: set[str]) -> list[dict]:
    path = HERE / "compare.json"
    if not path.is_file():
        return []
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    for c in cases:
        src = c.get("source_docs") or []
        texts = [body(d).lower() for d in src]
        for key in ("only_a_any", "only_b_any", "shared_any", "contradict_any"):
            for term in c.get(key, []):
                if not any(term.lower() in t for t in texts):
                    err(f"compare {c['id']}: {key} term {term!r} not in its source docs")
        heldout_ok(set(src), heldout, c.get("split"), f"compare {c['id']}")
    return cases


def check_numbers() -> Counter:
    pairs = [p for f in ("numbers.json", "numbers-calibration.json")
             for p in json.loads((HERE / f).read_text(encoding="utf-8"))["pairs"]]
    ids = [p.get("id") for p in pairs]
    if len(set(ids)) != len(ids):
        err("numbers.json: duplicate ids")
    for p in pairs:
        if p.get("label") not in ("conflict", "compatible"):
            err(f"numbers.json {p.get('id')}: label {p.get('label')!r}")
        if not (p.get("a") or "").strip() or not (p.get("b") or "").strip():
            err(f"numbers.json {p.get('id')}: two sentences needed")
    labels = Counter(p.get("label") for p in pairs)
    if set(labels) != {"conflict", "compatible"}:
        err(f"numbers.json: both labels needed, got {dict(labels)}")
    return labels


def check_speakers() -> Counter:
    """speakers.json: each sentence at its offset in its document, its speaker an id of that corpus's registry."""
    rows = json.loads((HERE / "speakers.json").read_text(encoding="utf-8"))["sentences"]
    ids = [r.get("id") for r in rows]
    if len(set(ids)) != len(ids):
        err("speakers.json: duplicate ids")
    registries: dict[str, dict] = {}
    for r in rows:
        folder = SEED.parent if r["corpus"] == "corpus" else HERE / r["corpus"]
        if r["corpus"] != "corpus":
            text = body(f"{r['corpus']}/{r['doc']}")
        else:  # corpus/: only the seed document is in the development set
            text = body("seed") if folder / r["doc"] == SEED else ""
        if text[r["start"]:r["start"] + len(r["sentence"])] != r["sentence"]:
            err(f"speakers.json {r['id']}: sentence not at offset {r['start']} of {r['doc']}")
        if r["corpus"] not in registries:
            registries[r["corpus"]] = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))["sources"]
        if r["speaker"] not in registries[r["corpus"]]:
            err(f"speakers.json {r['id']}: {r['speaker']!r} is no source of {r['corpus']}")
        if r.get("split") not in ("calibration", "evaluation", "fresh") or not isinstance(r.get("sure"), bool):
            err(f"speakers.json {r['id']}: split and sure needed")
    return Counter(r["split"] for r in rows)


def table(title: str, counter: Counter) -> str:
    return title + ": " + ", ".join(f"{k}={v}" for k, v in sorted(counter.items()))


def main() -> int:
    docs = check_documents()
    all_docs = {d for ds in docs.values() for d in ds}
    pairs, heldout = check_pairs(all_docs)
    disputes = check_disputes(pairs)
    qs = check_questions(docs, heldout)
    cases = check_compare(heldout)
    numbers = check_numbers()
    speakers = check_speakers()

    print("documents: " + ", ".join(f"{c}={len(v)}" for c, v in docs.items()))
    print(f"held-out documents ({len(heldout)}): " + ", ".join(sorted(heldout)))
    n = len(pairs)
    print(f"pairs: {n}")
    print(table("  label", Counter(p["label"] for p in pairs)))
    print(table("  kind", Counter(p["kind"] for p in pairs)))
    print(table("  split", Counter(p["split"] for p in pairs)))
    for split in sorted(SPLITS):
        sub = [p for p in pairs if p["split"] == split]
        print(table(f"  {split} label", Counter(p["label"] for p in sub)))
        print(table(f"  {split} kind", Counter(p["kind"] for p in sub)))
    print(table("  corpus", Counter(
        "+".join(sorted({("seed" if p[s]["doc"] == "seed" else p[s]["doc"].split("/")[0]) for s in "ab"}))
        for p in pairs)))
    print(f"disputes: {len(disputes)} " + table("by kind", Counter(d["kind"] for d in disputes)))
    print(f"questions: {len(qs)}")
    print(table("  expect", Counter(q["expect"] for q in qs)))
    print(table("  trap", Counter(q["trap"] for q in qs)))
    print(table("  split", Counter(q["split"] for q in qs)))
    print(table("  corpus", Counter(q["corpus"] for q in qs)))
    print(f"compare cases: {len(cases)}")
    print(f"number pairs: {dict(numbers)}")
    print(f"speaker sentences: {dict(speakers)}")
    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)")
        for e in errors:
            print("  - " + e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
