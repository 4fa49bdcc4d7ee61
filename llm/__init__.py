"""One client for generative models: a model chosen by a spec string, loaded once per
command, asked for replies validated into pydantic models with bounded retries, and a
record of every call. It depends on nothing else in the project (the bottom layer, beside
`ingest`); the debate, the report, the translator and the LLM judge receive a `Model`.
"""

from llm.load import PROVIDERS, Options, from_llama_index, load_model, parse_spec
from llm.model import (
    Backend,
    ChatModel,
    Model,
    estimate_tokens,
    keep_first,
    parse_reply,
    schema_of,
)
from llm.types import (
    Completion,
    LLMCall,
    LLMConfigError,
    LLMConnectionError,
    LLMContextError,
    LLMOutputError,
    Message,
)

__all__ = [
    "PROVIDERS",
    "Backend",
    "ChatModel",
    "Completion",
    "LLMCall",
    "LLMConfigError",
    "LLMConnectionError",
    "LLMContextError",
    "LLMOutputError",
    "Message",
    "Model",
    "Options",
    "estimate_tokens",
    "from_llama_index",
    "keep_first",
    "load_model",
    "parse_reply",
    "parse_spec",
    "schema_of",
]
