"""Feedback on answers: each answer shown on a front is logged under its request id (question, answer,
citations), and 👍/👎 votes (a 👎 may carry a short reason) are kept with it in the data directory's
SQLite database, so they survive restarts and can be listed with `analyst feedback`."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from retrieval.db import connect, utc_now
from retrieval.errors import NotFoundError, UsageError
from retrieval.models import Answer

VOTES = ("up", "down")
MAX_REASON = 300
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers_shown (
    request_id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL,
    mode TEXT NOT NULL, grounded INTEGER NOT NULL, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answer_feedback (
    request_id TEXT NOT NULL, user TEXT NOT NULL, vote TEXT NOT NULL, reason TEXT,
    at TEXT NOT NULL, PRIMARY KEY (request_id, user)
);
"""


class FeedbackLog:
    def __init__(self, db_path: Path) -> None:
        self._lock = threading.Lock()
        self._db = connect(db_path)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def log_answer(self, request_id: str, question: str, answer: Answer) -> None:
        cites = json.dumps([c.to_dict() for c in answer.citations], ensure_ascii=False)
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO answers_shown VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (request_id, question, answer.answer, cites, answer.mode, int(answer.grounded), utc_now()))

    def vote(self, request_id: str, user: str, vote: str, reason: str | None = None) -> dict[str, Any]:
        """Record (or change) one user's vote on one answer; a later vote replaces the earlier one."""
        if vote not in VOTES:
            raise UsageError(f"Unknown vote {vote!r}.", hint="Vote up or down.")
        reason = " ".join((reason or "").split())[:MAX_REASON] or None
        with self._lock, self._db:
            if not self._db.execute("SELECT 1 FROM answers_shown WHERE request_id=?", (request_id,)).fetchone():
                raise NotFoundError("That answer is no longer on record.")
            self._db.execute("INSERT OR REPLACE INTO answer_feedback VALUES (?, ?, ?, ?, ?)",
                             (request_id, user, vote, reason, utc_now()))
        return self.get(request_id, user)

    def get(self, request_id: str, user: str) -> dict[str, Any]:
        rows = self._rows("WHERE f.request_id=? AND f.user=?", (request_id, user))
        if not rows:
            raise NotFoundError("No such feedback.")
        return rows[0]

    def list(self, limit: int = 200) -> list[dict[str, Any]]:
        return self._rows("ORDER BY f.at DESC, f.request_id LIMIT ?", (limit,))

    def _rows(self, tail: str, args: tuple) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT f.request_id, f.user, f.vote, f.reason, f.at, a.question, a.answer, a.citations, a.mode, "
                "a.grounded FROM answer_feedback f JOIN answers_shown a USING (request_id) " + tail, args).fetchall()
        return [{"request_id": r["request_id"], "user": r["user"], "vote": r["vote"], "reason": r["reason"],
                 "at": r["at"], "question": r["question"], "answer": r["answer"], "mode": r["mode"],
                 "grounded": bool(r["grounded"]), "citations": json.loads(r["citations"])} for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
