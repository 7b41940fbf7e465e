"""Where a model call's time goes: per-call figures and running totals, exposed by `LLMClient.stats`.

Token counts come from the endpoint's `usage` when it reports one (non-streamed calls; a streamed
call counts its content chunks, one token each on llama.cpp). `cached_tokens` is read from
`usage.prompt_tokens_details.cached_tokens` (OpenAI, vLLM) or llama.cpp's `timings.cache_n`, when given;
llama-cpp-python reports neither, and its server log says how much of a prompt it reused."""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field


@dataclass
class CallStats:
    kind: str  # "chat" or "labels"
    seconds: float = 0.0
    first_token_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def usage_of(obj, stats: CallStats) -> None:
    """Copy token counts from a reply or stream chunk into `stats` (missing fields stay as they are)."""
    usage = getattr(obj, "usage", None)
    if usage is not None:
        stats.prompt_tokens = getattr(usage, "prompt_tokens", stats.prompt_tokens)
        stats.completion_tokens = getattr(usage, "completion_tokens", stats.completion_tokens)
        details = getattr(usage, "prompt_tokens_details", None)
        cached = getattr(details, "cached_tokens", None) if details is not None else None
        if cached is not None:
            stats.cached_tokens = cached
    extra = getattr(obj, "model_extra", None) or {}
    timings = extra.get("timings") if isinstance(extra, dict) else None
    if isinstance(timings, dict) and "cache_n" in timings:
        stats.cached_tokens = int(timings["cache_n"])


@dataclass
class StatsTotals:
    """Running totals over every call of one client (thread-safe)."""
    calls: int = 0
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    last: CallStats | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, call: CallStats) -> None:
        with self._lock:
            self.calls += 1
            self.seconds += call.seconds
            self.prompt_tokens += call.prompt_tokens or 0
            self.completion_tokens += call.completion_tokens or 0
            self.cached_tokens += call.cached_tokens or 0
            self.last = call

    def snapshot(self) -> dict:
        with self._lock:
            return {"calls": self.calls, "seconds": round(self.seconds, 3),
                    "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                    "cached_tokens": self.cached_tokens, "last": self.last.to_dict() if self.last else None}
