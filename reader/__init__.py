"""The reader: relevance and stance of a (question, passage) pair (reader.reader, a trained
model), and the role each sentence of a passage plays (reader.roles, rules)."""

from reader.framing import frame_options
from reader.reader import (
    MODEL_FILE,
    NO_SIDE,
    Reader,
    ReaderInputError,
    ReaderModelMissing,
    Reading,
)
from reader.roles import Role, SentenceRole, sentence_role, sentence_roles
from reader.timex import TimeRef

__all__ = [
    "MODEL_FILE",
    "NO_SIDE",
    "Reader",
    "ReaderInputError",
    "ReaderModelMissing",
    "Reading",
    "Role",
    "SentenceRole",
    "TimeRef",
    "frame_options",
    "sentence_role",
    "sentence_roles",
]
