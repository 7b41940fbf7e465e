"""Exception hierarchy. Every error carries a short message fit for a user and a hint on what to do;
details (tracebacks, URLs with credentials) stay in the log."""
from __future__ import annotations

import re


FRONTS = ("cli", "console", "discord")
# Instructions only a terminal (or the bot's operator) can follow.
_TERMINAL_ONLY = re.compile(r"`analyst\b|\banalyst [a-z]|\bmake [a-z]|ANALYST_|DISCORD_TOKEN|\.env\b|[Ss]erver log|pip ")


class AnalystError(Exception):
    """Base class: `user_message` is safe to show in a channel or terminal. `hint` says what to do in a
    terminal; `front_hints` can word it for another front ("discord", "console"): a Discord user
    cannot run `analyst …` or set environment variables."""

    user_message = "Something went wrong."
    hint = ""
    front_hints: dict[str, str] = {}

    def __init__(self, message: str | None = None, *, hint: str | None = None,
                 hints: dict[str, str] | None = None) -> None:
        super().__init__(message or self.user_message)
        if message:
            self.user_message = message
        if hint is not None:
            self.hint = hint
        self._hints = dict(hints or {})

    def __str__(self) -> str:
        return f"{self.user_message} {self.hint}".strip()

    def hint_for(self, front: str) -> str:
        """The hint worded for `front`: given for this error, else for its class (unless this error has
        its own terminal hint), else the terminal hint; never terminal instructions on Discord."""
        hint = self._hints.get(front)
        if hint is None:
            hint = self.front_hints.get(front, self.hint) if self.hint == type(self).hint else self.hint
        if front == "discord" and _TERMINAL_ONLY.search(hint):
            return ""
        return hint

    def for_front(self, front: str) -> str:
        """The whole message as `front` shows it."""
        return f"{self.user_message} {self.hint_for(front)}".strip()


class UnknownSourceError(AnalystError):
    user_message = "Unknown source."
    hint = "Run `analyst sources` to list the sources and their aliases."
    front_hints = {"console": "Type /sources to list the sources and their aliases.",
                   "discord": "Use `/sources` to list the sources and their aliases."}


class DocumentError(AnalystError):
    """A file that cannot be indexed: unreadable, binary, too large, bad front matter."""

    user_message = "The document could not be read."


class StoreUnavailableError(AnalystError):
    user_message = "The Chroma store is unreachable."
    hint = "Check that the Chroma server is running, or unset ANALYST_CHROMA_URL to use the embedded store."
    front_hints = {"discord": "Please tell the bot's admin; try again later."}


class LLMUnavailableError(AnalystError):
    user_message = "The language model is unavailable."
    hint = "Check ANALYST_LLM_BASE_URL, or set ANALYST_LLM=none for extractive answers."
    front_hints = {"discord": "Please tell the bot's admin; try again later."}


class BusyError(AnalystError):
    user_message = "Analyst is busy answering other questions; please try again in a minute."


class IndexLockedError(AnalystError):
    user_message = "Another index run is in progress."
    hint = "Wait for it to finish; it holds the lock in the data directory."
    front_hints = {"discord": "Wait for it to finish, then try again."}


class NotFoundError(AnalystError):
    user_message = "Not found."


class UsageError(AnalystError):
    """A command was given a bad argument: an unknown choice, an empty question, a source compared
    with itself. Every front shows it as one line and carries on."""

    user_message = "That command was not used correctly."
