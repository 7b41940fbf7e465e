"""Conversation history: the last few (question, answer) turns of a conversation (a Discord thread,
say), kept in the data directory's SQLite database so a restart does not forget them."""
from __future__ import annotations

import threading
from pathlib import Path

from retrieval.db import connect, utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_turns (
    conversation TEXT NOT NULL, seq INTEGER NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (conversation, seq)
);
"""


class ConversationLog:
    def __init__(self, db_path: Path, max_turns: int = 6) -> None:
        self.max_turns = max_turns
        self._lock = threading.Lock()
        self._db = connect(db_path)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def history(self, conversation: str) -> list[tuple[str, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT question, answer FROM conversation_turns WHERE conversation=? ORDER BY seq DESC LIMIT ?",
                (conversation, self.max_turns)).fetchall()
        return [(r["question"], r["answer"]) for r in reversed(rows)]

    def add(self, conversation: str, question: str, answer: str) -> None:
        now = utc_now()
        with self._lock, self._db:
            seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM conversation_turns WHERE conversation=?",
                                   (conversation,)).fetchone()[0]
            self._db.execute("INSERT INTO conversation_turns VALUES (?, ?, ?, ?, ?)",
                             (conversation, seq, question, answer, now))
            self._db.execute("DELETE FROM conversation_turns WHERE conversation=? AND seq <= ?",
                             (conversation, seq - self.max_turns))

    def close(self) -> None:
        with self._lock:
            self._db.close()
