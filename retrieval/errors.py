"""Exception hierarchy. Every error carries a short message fit for a user and a hint on what to do;
details (tracebacks, URLs with credentials) stay in the log."""
from __future__ import annotations


class AnalystError(Exception):
    """Base class: `user_message` is safe to show in a channel or terminal."""

    user_message = "Something went wrong."
    hint = ""

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        super().__init__(message or self.user_message)
        if message:
            self.user_message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.user_message} {self.hint}".strip()


class UnknownSourceError(AnalystError):
    user_message = "Unknown source."
    hint = "Run `analyst sources` to list the sources and their aliases."


class DocumentError(AnalystError):
    """A file that cannot be indexed: unreadable, binary, too large, bad front matter."""

    user_message = "The document could not be read."


class StoreUnavailableError(AnalystError):
    user_message = "The Chroma store is unreachable."
    hint = "Check that the Chroma server is running, or unset ANALYST_CHROMA_URL to use the embedded store."


class LLMUnavailableError(AnalystError):
    user_message = "The language model is unavailable."
    hint = "Check ANALYST_LLM_BASE_URL, or set ANALYST_LLM=none for extractive answers."


class BusyError(AnalystError):
    user_message = "Analyst is busy answering other questions; please try again in a minute."


class IndexLockedError(AnalystError):
    user_message = "Another index run is in progress."
    hint = "Wait for it to finish; it holds the lock in the data directory."


class NotFoundError(AnalystError):
    user_message = "Not found."


class UsageError(AnalystError):
    """A command was given a bad argument: an unknown choice, an empty question, a source compared
    with itself. Every front shows it as one line and carries on."""

    user_message = "That command was not used correctly."
