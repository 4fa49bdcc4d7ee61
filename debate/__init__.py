"""Debate: a panel of advisors argues a decision question over themed rounds, citing only
passages from their own briefs.

The one entry point is `run_debate(library, question, out_dir, ...)`; `make_engine(model)`
gives the llm engine over a loaded `llm.Model`, or the extractive engine (no generative
model, the default) for None.
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
