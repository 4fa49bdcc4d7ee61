"""Debate: a panel of advisors argues a decision question over themed rounds, citing only
passages from their own briefs.

The one entry point is `run_debate(library, question, out_dir, ...)`; engines are chosen
by a string (`make_engine`): 'extractive' (no generative model, the default) or an LLM
spec such as 'openai:MODEL', 'ollama:MODEL', 'gguf:/path/model.gguf'.
"""

from debate.engine import Engine, make_engine
from debate.panel import PanelError
from debate.run import DebateError, run_debate
from debate.types import Claim, Confidence, Debate, Move, PanelMember, Round, Turn

__all__ = [
    "Claim",
    "Confidence",
    "Debate",
    "DebateError",
    "Engine",
    "Move",
    "PanelError",
    "PanelMember",
    "Round",
    "Turn",
    "make_engine",
    "run_debate",
]
