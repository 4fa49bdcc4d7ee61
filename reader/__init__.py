"""The reader model: relevance and stance of a (question, passage) pair (see reader.reader)."""

from reader.framing import frame_options
from reader.reader import (
    MODEL_FILE,
    NO_SIDE,
    Reader,
    ReaderInputError,
    ReaderModelMissing,
    Reading,
)

__all__ = [
    "MODEL_FILE",
    "NO_SIDE",
    "Reader",
    "ReaderInputError",
    "ReaderModelMissing",
    "Reading",
    "frame_options",
]
