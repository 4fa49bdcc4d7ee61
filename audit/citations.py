"""Citation recall and precision the way ALCE computes them (Gao et al., 2023,
"Enabling Large Language Models to Generate Text with Citations", `compute_autoais`).

- A claim is *recalled* when the concatenation of all its cited passages supports it.
- Each citation of a supported claim is *relevant* unless it is irrelevant: it does not
  support the claim on its own AND the remaining citations still support it without it.
- A claim with one citation gives that citation precision credit iff the claim is
  supported; a claim with several citations that are not jointly supporting gives none.

SEE: https://github.com/princeton-nlp/ALCE/blob/main/eval.py (compute_autoais)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# supports(passages, claim) -> bool: do these passages, read together, back the claim?
SupportFn = Callable[[Sequence[str], str], bool]


def relevant_citations(claim: str, passages: Sequence[str], supports: SupportFn) -> list[bool]:
    """Per citation: does it earn precision credit? (see the module docstring)"""
    if not passages:
        return []
    if not supports(passages, claim):
        return [False] * len(passages)
    if len(passages) == 1:
        return [True]
    flags = []
    for index, passage in enumerate(passages):
        if supports([passage], claim):
            flags.append(True)
            continue
        others = [p for i, p in enumerate(passages) if i != index]
        flags.append(not supports(others, claim))
    return flags


def recall_and_precision(
    recalled: Sequence[bool], relevance: Sequence[Sequence[bool]]
) -> tuple[float, float]:
    """Citation recall over claims (uncited claims count, as not recalled) and citation
    precision over all citations."""
    recall = sum(recalled) / len(recalled) if recalled else 0.0
    flags = [flag for claim in relevance for flag in claim]
    precision = sum(flags) / len(flags) if flags else 0.0
    return recall, precision
