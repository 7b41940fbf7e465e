"""Every table of the data directory's SQLite database stamps times one way (UTC, to the second, `Z`), so
times from the manifest, the ledger, feedback and thread history compare and sort as one kind of value.
Real SQLite file, real classes."""
import re

from retrieval.answers.feedback import FeedbackLog
from retrieval.answers.history import ConversationLog
from retrieval.contradictions.ledger import Ledger
from retrieval.db import connect
from retrieval.index.manifest import Manifest
from retrieval.models import Answer, Claim

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def claim(doc, text, speaker):
    return Claim(id=f"{doc}:0", passage_id="p", doc=doc, source="news", speaker=speaker, title="T",
                 start=0, end=len(text), text=text)


def test_every_table_stamps_times_alike(tmp_path):
    db = tmp_path / "analyst.sqlite3"
    feedback, history, manifest, ledger = FeedbackLog(db), ConversationLog(db), Manifest(db), Ledger(db)
    feedback.log_answer("r1", "When did the talks end?", Answer(answer="On Friday.", grounded=False, mode="extractive"))
    feedback.vote("r1", "ana", "up")
    history.add("thread-1", "When did the talks end?", "On Friday.")
    manifest.record("a.md", "corpus", "sha", "news", "Title", "2031-05-02", 3)
    ledger.record(claim("a.md", "The port reopened on Monday.", "mayor"),
                  claim("b.md", "The port has not reopened.", "union"), 0.9, "opposed")
    conn = connect(db)
    stamps = {q: [r[0] for r in conn.execute(q)] for q in (
        "SELECT at FROM answers_shown", "SELECT at FROM answer_feedback", "SELECT at FROM conversation_turns",
        "SELECT indexed_at FROM index_documents", "SELECT first_seen FROM ledger_contradictions")}
    conn.close()
    for part in (feedback, history, manifest, ledger):
        part.close()
    assert all(stamps.values()), stamps
    assert {q: v for q, v in stamps.items() if not all(STAMP.match(s) for s in v)} == {}
