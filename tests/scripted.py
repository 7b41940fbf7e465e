"""A scripted stand-in for the chat model (a fake, said so): tests of the answer checks need the model to
say exactly what the small local model was seen to say, which the real model does not do on demand."""
from __future__ import annotations


class Scripted:
    """A ChatModel whose reply is built by `reply(prompt)` from the numbered passages it was shown."""

    model = "scripted"

    def __init__(self, reply) -> None:
        self.reply = reply

    def chat(self, messages, *, on_token=None, **kw) -> str:
        return self.reply(messages[-1]["content"])

    def close(self) -> None:
        pass


def passage_key(prompt: str, needle: str) -> int:
    """The number of the passage in the prompt that contains `needle`."""
    blocks = prompt.split("<passage n=\"")[1:]
    return next(int(b.split('"')[0]) for b in blocks if needle in b)
