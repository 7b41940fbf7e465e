"""All configuration in one pydantic-settings object, read from the environment and `.env`."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANALYST_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where everything lives
    data_dir: Path = Path(".analyst")
    corpus_dir: Path = Path("corpus")
    sources_file: Path | None = None  # default: <corpus_dir>/sources.yaml

    # Store
    chroma_url: str | None = None
    collection: str = "passages"
    chroma_timeout_s: float = 10.0

    # Embeddings: the packaged MiniLM ONNX model, or any OpenAI-compatible endpoint
    embeddings: Literal["local", "openai"] = "local"
    embeddings_base_url: str | None = None
    embeddings_model: str = "text-embedding-3-small"
    embeddings_api_key: SecretStr | None = None
    embed_batch_size: int = 8

    # Generation: `auto` = ANALYST_LLM_BASE_URL if set, else the embedded llama.cpp server
    llm: Literal["auto", "local", "remote", "none"] = "auto"
    llm_base_url: str | None = None
    llm_model: str = "qwen2.5-coder-1.5b-instruct"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 120.0
    llm_connect_timeout_s: float = 5.0
    llm_max_concurrency: int = 1
    llm_queue_timeout_s: float = 60.0
    llm_max_tokens: int = 350
    llm_ctx: int = 4096
    llm_threads: int = 2
    llm_port: int = 0  # 0 = pick a free port on 127.0.0.1
    llm_batch: int = 512  # llama.cpp n_batch: prompt tokens evaluated per step
    answer_max_tokens: int = 200  # an answer is one to three sentences
    answer_passage_chars: int = 320  # each passage sent to the model is cut to its best sentences
    answer_context_chars: int = 1200  # passage text per question: the best-ranked passages that fit
    # An answer names the disputes its cited statements are part of (so a quoted claim that another
    # source contests says so) when the dispute's confidence is at least this: 0.4 takes corroborated
    # and single-pair disputes and leaves out weak evidence (contradictions/confidence.json).
    answer_contested_min_confidence: float = Field(default=0.4, ge=0.0, le=1.0)
    model_dir: Path | None = None  # folder holding models/ with the assembled GGUF (default: data_dir)

    # Splitting and retrieval
    chunk_size: int = 500
    chunk_overlap: int = 0
    top_k: int = 5
    answer_pool_factor: int = 3  # answers rerank top_k × this many search results down to top_k
    candidate_k: int = 20

    # Input limits
    max_file_bytes: int = 10 * 1024 * 1024
    max_upload_bytes: int = 2 * 1024 * 1024

    # Contradictions
    claim_similarity_floor: float = 0.45
    claim_neighbours: int = 6
    contradiction_threshold: float = 0.5  # chosen on the calibration split of bench/devset/pairs.json (bench.pairs)
    contradiction_llm_pairs: int | None = None  # model calls per index run (default: scales with claims)
    # The digest posts only disputes at least this confident (a dispute's confidence is the fitted share
    # of real conflicts for its evidence class, contradictions/confidence.py: at 0.8, corroborated
    # disputes only); the rest stay listable as `possible`. Fit: `python -m bench.confidence`.
    digest_min_confidence: float = Field(default=0.8, ge=0.0, le=1.0)
    # Below that bar, the digest names (one heading line each, once) the strongest possible disputes at
    # least this confident (0.4: between the fitted rates of `single`, one strong pair of statements, and
    # `weak`), at most this many per digest (contradictions/posting.py); 0 lines: it only counts them.
    digest_possible_min_confidence: float = Field(default=0.4, ge=0.0, le=1.0)
    digest_possible_lines: int = Field(default=5, ge=0, le=20)

    # Discord
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "ANALYST_DISCORD_TOKEN")
    )
    dev_guild_id: int | None = None
    digest_channel_id: int | None = None
    digest_cron: str = "0 8 * * *"
    timezone: str = "UTC"
    reindex_minutes: int = 60
    admin_role: str | None = None
    allowed_channels: list[int] = Field(default_factory=list)
    cooldown_s: float = 10.0
    # Opt-in: the privileged message content intent (enable it in the Developer Portal too). Without it
    # Discord sends the bot the text of a message only when it mentions the bot or replies to it; with
    # it, follow-ups in the bot's own threads are answered without a mention.
    message_content: bool = False

    # Feeds and web pages (retrieval/feeds/)
    fetch_allow_private: bool = False  # allow loopback/private/link-local/metadata addresses
    fetch_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)  # hosts or IP networks allowed anyway
    fetch_timeout_s: float = 20.0  # whole request, body included
    fetch_connect_timeout_s: float = 5.0
    fetch_max_bytes: int = 5 * 1024 * 1024
    fetch_max_redirects: int = 5
    fetch_user_agent: str = "AnalystBot/0.1 (news and official-statement monitor; feed reader)"
    feed_every_minutes: int = 30  # default poll interval of a feed
    feed_max_items: int = 20  # new items taken from one feed per poll
    feed_max_backoff_minutes: int = 24 * 60
    feeds_job_minutes: int = 5  # how often the scheduler looks for feeds that are due

    log_level: str = "INFO"

    @field_validator("allowed_channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(v) for v in value.replace(",", " ").split() if v]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("fetch_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [v for v in value.replace(",", " ").split() if v]
        return value

    @property
    def sources_path(self) -> Path:
        return self.sources_file or self.corpus_dir / "sources.yaml"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "analyst.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def llm_mode(self) -> str:
        if self.llm == "auto":
            return "remote" if self.llm_base_url else "local"
        return self.llm

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
