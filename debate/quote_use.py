"""The Auditor's second check: does a claim use its passages well?

The citation judge asks whether a passage backs a claim. For an extractive claim, a quote
of its own passage, that holds by construction; what can still be wrong is how the quote
is used. Two questions, for every checked claim that cites something:

- **Leaning.** Do the cited passages lean the way the speaker's turn argues (`Turn.argues`)?
  Which way a passage leans is the debate's reading of it (`Debate.stances`, the reader
  model or the heuristic), and a set of passages leans by `stance.lean_of_set`, the one
  rule the debate and the report share.
- **Theme.** Does the cited passage bear on the round's theme? Themes are questions of
  approach ("who holds the measurement"), so no absolute similarity means "on theme" for
  every library; the reference is the speaker's own brief: a passage is on theme when its
  embedding is at least as close to the theme as the median passage of that brief.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from debate.stance import lean_of_set
from debate.types import Debate, FactCheck, PassageStance, QuoteUse, Turn

Embed = Callable[[list[str]], np.ndarray]


class UseChecker:
    """Adds a `QuoteUse` to fact-checks; embeds each text once (themes and passages)."""

    def __init__(
        self,
        embed: Embed,
        stances: Mapping[str, PassageStance],
        known: Mapping[str, np.ndarray] | None = None,
    ):
        """`known`: vectors the engine already has (text -> unit vector), not embedded again."""
        self._embed = embed
        self._stances = stances
        self._vectors: dict[str, np.ndarray] = dict(known or {})

    def _similarities(self, theme: str, texts: list[str]) -> list[float]:
        missing = [t for t in dict.fromkeys([theme, *texts]) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self._embed(missing), strict=True))
        anchor = self._vectors[theme]
        return [float(self._vectors[t] @ anchor) for t in texts]

    def check(
        self, debate: Debate, checks: Sequence[FactCheck], turns: Sequence[Turn]
    ) -> list[FactCheck]:
        """`checks` (of claims in `turns`) with their use measured; uncited ones unchanged."""
        by_turn = {(t.round, t.advisor): t for t in turns}
        themes = {number: theme for number, theme in enumerate(debate.themes, 1)}
        out = []
        for check in checks:
            turn = by_turn.get((check.target.round, check.target.advisor))
            theme = themes.get(check.target.round)
            brief = debate.briefs.get(check.target.advisor)
            if turn is None or theme is None or brief is None or not check.citations:
                out.append(check)
                continue
            texts = {item.key: item.text for item in brief.evidence}
            cited = [texts[key] for key in check.citations if key in texts]
            if not cited:
                out.append(check)
                continue
            leanings = [self._stances[k].leaning for k in check.citations if k in self._stances]
            leaning = lean_of_set(leanings)
            argued = turn.argues
            reference = self._similarities(theme, list(texts.values()))
            best = max(self._similarities(theme, cited))
            median = float(np.median(reference))
            use = QuoteUse(
                leaning=leaning,
                argued=argued,
                agrees=None if leaning is None or argued is None else leaning == argued,
                theme_similarity=round(best, 4),
                theme_median=round(median, 4),
                on_theme=best >= median,
            )
            out.append(check.model_copy(update={"use": use}))
        return out


def use_counts(checks: Sequence[FactCheck]) -> dict[str, int]:
    """How the checked claims used their passages: `measured` claims, of which `agree` lean
    the way their speaker argued, `against` the other way, and `on_theme` bear on it."""
    uses = [c.use for c in checks if c.use is not None]
    return {
        "measured": len(uses),
        "agree": sum(u.agrees is True for u in uses),
        "against": sum(u.agrees is False for u in uses),
        "on_theme": sum(u.on_theme for u in uses),
    }


def use_sentence(checks: Sequence[FactCheck]) -> str | None:
    """The round summary's line on how quotes were used (computed, and says so)."""
    counts = use_counts(checks)
    if not counts["measured"]:
        return None
    return (
        f"Of {counts['measured']} cited claims the Auditor checked for their use, "
        f"{counts['agree']} cite passages leaning the way their speaker argued and "
        f"{counts['against']} the other way; {counts['on_theme']} bear on the round's theme "
        "(computed from the passages' stances and embeddings)."
    )
