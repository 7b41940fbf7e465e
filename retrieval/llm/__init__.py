"""The language model behind answers, summaries and the contradiction judge.

`ChatModel` is the interface the rest of the core depends on; `client.LLMClient` implements it for any
OpenAI-compatible endpoint, including the local llama.cpp server that `local.LocalLLMServer` runs."""
from __future__ import annotations

from typing import Callable, Protocol, Sequence, runtime_checkable


@runtime_checkable
class ChatModel(Protocol):
    model: str

    def chat(self, messages: Sequence[dict], *, max_tokens: int | None = None, temperature: float = 0.0,
             stop: Sequence[str] | None = None, on_token: Callable[[str], None] | None = None,
             timeout: float | None = None) -> str:
        """The assistant's reply to `messages`; tokens go to `on_token` as they arrive."""
        ...

    def label_probabilities(self, messages: Sequence[dict], labels: Sequence[str],
                            timeout: float | None = None) -> dict[str, float]:
        """P(label) for a one-token answer, from log-probabilities where the endpoint gives them."""
        ...

    def health(self) -> bool:
        ...

    def close(self) -> None:
        ...
