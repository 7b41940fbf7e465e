"""Logging set-up: one format, secrets redacted from every record, a request id per question."""
from __future__ import annotations

import base64
import contextvars
import logging
import sys
import uuid
from typing import Iterable
from urllib.parse import unquote, urlsplit

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def new_request_id() -> str:
    rid = uuid.uuid4().hex[:8]
    request_id.set(rid)
    return rid


class RedactSecrets(logging.Filter):
    """Replaces any configured secret value with *** in the message and its arguments."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        if self.secrets:
            msg = record.getMessage()
            for s in self.secrets:
                msg = msg.replace(s, "***")
            record.msg, record.args = msg, None
            if record.exc_text:
                for s in self.secrets:
                    record.exc_text = record.exc_text.replace(s, "***")
        return True


def secret_values(settings) -> list[str]:
    """Every configured secret: tokens and keys, passwords in URLs, and the base64 forms in which
    HTTP clients send them (Basic auth), so an endpoint echoing its Authorization header is redacted too."""
    out = []
    for name in ("discord_token", "llm_api_key", "embeddings_api_key"):
        v = getattr(settings, name, None)
        if v is not None:
            out.append(v.get_secret_value())
    for name in ("chroma_url", "llm_base_url", "embeddings_base_url"):
        u = urlsplit(getattr(settings, name, None) or "")
        if u.password:
            user, password = unquote(u.username or ""), unquote(u.password)
            out += [u.password, password, base64.b64encode(f"{user}:{password}".encode()).decode()]
    return out


OWN = ("retrieval", "bot", "bench", "analyst", "__main__")


class QuietLibraries(logging.Filter):
    """Libraries' debug and info lines (bm25s sets its own logger to DEBUG when imported, so setting
    levels up front is not enough) stay out unless -v; their warnings and errors still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".")[0] in OWN


FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def _add_handler(root: logging.Logger, handler: logging.Handler, settings, level: int | None,
                 verbose: bool = False) -> None:
    handler._analyst = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secret_values(settings)))
    if not verbose:
        handler.addFilter(QuietLibraries())
    if level is not None:
        handler.setLevel(level)
    root.addHandler(handler)


def setup_logging(settings, verbose: bool = False, stream=None, interactive: bool = False) -> None:
    """Logs to stderr; in an interactive console only warnings go to the terminal and the full log
    goes to <data_dir>/logs/analyst.log, so log lines don't interleave with the conversation."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_analyst", False):
            root.removeHandler(h)
    quiet = interactive and not verbose
    _add_handler(root, logging.StreamHandler(stream or sys.stderr), settings,  # stderr of now
                 logging.WARNING if quiet else None, verbose)
    if quiet:
        try:
            (settings.data_dir / "logs").mkdir(parents=True, exist_ok=True)
            _add_handler(root, logging.FileHandler(settings.data_dir / "logs" / "analyst.log",
                                                   encoding="utf-8"), settings, None, verbose)
        except OSError:
            pass  # an unusable data dir is reported by the command itself
    root.setLevel(logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(), logging.INFO))
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "chromadb", "openai", "discord.gateway", "urllib3", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
