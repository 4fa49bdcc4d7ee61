"""The vector store adapter: Chroma through llama-index, and the only module that imports
either, so the rest of Agora sees chunk ids, vectors and cosine scores.

Chroma's default embedding function downloads a model, so collections are created with
``embedding_function=None``: adding or querying without our own vectors then fails loudly
instead of silently embedding with a different model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from ingest.types import Chunk, Source

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore


@dataclass(frozen=True)
class VectorHit:
    """One dense search result."""

    chunk_id: str
    score: float  # cosine similarity in [-1, 1]


def collection_name(fingerprint: str, library: str = "agora") -> str:
    """One collection per library, model and chunking, so a change of model or chunking
    never mixes vectors (`fingerprint` names both)."""
    return f"{library}-{fingerprint}"


def library_name(name: str) -> str:
    """A library's name as Chroma allows collection names (letters, digits, '.', '_' and
    '-', alphanumeric at both ends, at least 3 characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("._-")[:40]
    return cleaned if len(cleaned) >= 3 else f"lib-{cleaned or 'default'}"


def date_key(date: str | None, end: bool = False) -> int:
    """YYYYMMDD as an int (0 if unknown) so Chroma can filter date ranges numerically.
    A partial date ("2024", "2024-06") is its first day, or its last with `end`."""
    if not date:
        return 0
    digits = "".join(ch for ch in date[:10] if ch.isdigit())
    if len(digits) < 4:
        return 0
    return int(digits + ("9999" if end else "0000")[len(digits) - 4 :])


def source_domain(source: Source) -> str:
    """The host name of a web source ('' for files): what domain filters match."""
    return (urlsplit(source.url).hostname or "") if source.url else ""


def chunk_metadata(chunk: Chunk, source: Source) -> dict[str, str | int]:
    """Flat metadata stored with each vector; it is what search filters on."""
    return {
        "source_id": chunk.source_id,
        "number": source.number or 0,
        "kind": source.kind.value if source.kind else "",
        "domain": source_domain(source),
        "date": date_key(source.date),
        "start": chunk.start,
        "end": chunk.end,
        "page": chunk.page or 0,
        "page_end": chunk.page_end or 0,
        "index": chunk.index,
        "section": chunk.section or "",
    }


def open_chroma(path: Path) -> Any:
    """An embedded Chroma client persisting under `path`."""
    import chromadb

    # SEE: https://docs.trychroma.com/docs/overview/telemetry (off: nothing leaves the machine)
    settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def open_chroma_server(url: str) -> Any:
    """A client of a `chroma run` server at http(s)://HOST:PORT."""
    import chromadb

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--chroma-url must look like http://HOST:PORT, not {url!r}")
    settings = chromadb.Settings(anonymized_telemetry=False)
    return chromadb.HttpClient(
        host=parts.hostname,
        port=parts.port or (443 if parts.scheme == "https" else 80),
        ssl=parts.scheme == "https",
        settings=settings,
    )


class VectorStore:
    """Chunk vectors in one Chroma collection, reached through llama-index's adapter."""

    def __init__(self, client: Any, name: str):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.client = client
        self.name = name
        self.collection = client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self._llama: ChromaVectorStore = ChromaVectorStore(chroma_collection=self.collection)

    def add(self, entries: list[tuple[Chunk, Source]], vectors: np.ndarray) -> None:
        """Add chunks (each with its source, for the metadata) and their vectors; the ids
        in Chroma are the chunk ids."""
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = [
            TextNode(
                id_=chunk.chunk_id,
                text=chunk.text,
                embedding=vector.tolist(),
                metadata=chunk_metadata(chunk, source),
                # The SOURCE relationship is what lets llama-index delete a whole source.
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.source_id)},
            )
            for (chunk, source), vector in zip(entries, vectors, strict=True)
        ]
        if nodes:
            self._llama.add(nodes)

    def delete_chunks(self, chunk_ids: Iterable[str]) -> None:
        ids = list(chunk_ids)
        for offset in range(0, len(ids), 1000):
            self._llama.delete_nodes(node_ids=ids[offset : offset + 1000])

    def delete_source(self, source_id: str) -> None:
        self._llama.delete(ref_doc_id=source_id)

    def query(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[VectorHit]:
        """The k nearest chunks by cosine similarity, optionally filtered on metadata."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if k <= 0 or self.count() == 0:
            return []
        query = VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k)
        kwargs = {"where": where} if where else {}
        result = self._llama.query(query, **kwargs)
        ids = result.ids or []
        # llama-index reports exp(-distance); Chroma's cosine distance is 1 - cosine.
        scores = [1.0 + math.log(max(s, 1e-12)) for s in (result.similarities or [])]
        return [VectorHit(chunk_id, score) for chunk_id, score in zip(ids, scores, strict=True)]

    def count(self) -> int:
        return int(self.collection.count())

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset, page = 0, 5000
        while True:
            batch = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            found.update(batch)
            if len(batch) < page:
                return found
            offset += page
