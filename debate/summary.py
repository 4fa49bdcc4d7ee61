"""The extractive engine's round summary: the round's turns grouped by the side their
cited passages lean to. Agreements are leanings shared by several domain advisors and the
Auditor's tallies; disagreements are opposite leanings and the Contrarian's challenge."""

from __future__ import annotations

from debate.quote_use import use_sentence
from debate.types import Debate, MemberKind, Move, Round, RoundSummary
from debate.wording import names, short


def summarize_round(debate: Debate, round_: Round, leanings: dict[str, str | None]) -> RoundSummary:
    """`leanings`: each speaker's turn's leaning (None when its passages take no side)."""
    by_leaning: dict[str, list[str]] = {}
    for turn in round_.turns:
        member = debate.member(turn.advisor)
        lean = leanings.get(turn.advisor)
        if lean and member.kind == MemberKind.DOMAIN:
            by_leaning.setdefault(lean, []).append(turn.advisor)
    agreements = [
        f"{names(people)} cited evidence leaning toward '{lean}'."
        for lean, people in by_leaning.items()
        if len(people) >= 2
    ]
    disagreements = []
    if len(by_leaning) >= 2:
        (a, people_a), (b, people_b) = list(by_leaning.items())[:2]
        disagreements.append(
            f"{names(people_a)} cited evidence leaning toward '{a}', while "
            f"{names(people_b)} cited evidence leaning toward '{b}'."
        )
    for turn in round_.turns:
        if (
            turn.move == Move.CHALLENGE
            and debate.member(turn.advisor).kind == MemberKind.CONTRARIAN
        ):
            disagreements.append(f"{turn.advisor} challenged the round's majority.")
        if turn.checks:
            backed = sum(c.verdict == "supported" for c in turn.checks)
            agreements.append(
                f"{turn.advisor} found {backed} of {len(turn.checks)} checked claims "
                "backed by the passages they cite."
            )
            if used := use_sentence(turn.checks):
                agreements.append(used)
    if not by_leaning:
        disagreements.append("No advisor's evidence leaned clearly either way.")
    elif not any(len(p) >= 2 for p in by_leaning.values()):
        disagreements.append("No leaning was shared by more than one domain advisor.")
    text = (
        f"Round {round_.number} ({short(round_.theme, 70)}). "
        + " ".join(agreements + disagreements)
        + " (Leanings are the cited passages' stances: see debate.json, stances.)"
    )
    return RoundSummary(agreements=agreements, disagreements=disagreements, text=text)
