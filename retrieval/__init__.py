"""Retrieval: find the passages each advisor needs, with their source numbers."""

from retrieval.search import search
from retrieval.types import Passage

__all__ = ["Passage", "search"]
