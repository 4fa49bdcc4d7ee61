"""The deeper story without a generative model: the key points on each side, how the
panel's leaning moved between the first and last rounds, the passage most advisors leaned
on, the better answer the last round proposed, and what only the Contrarian raised.
Every sentence is a catalog phrase whose arguments are counts, names and verbatim quotes.
"""

from __future__ import annotations

from debate.types import MemberKind
from report.extractive import citation_keys, key_points
from report.reading import CitedClaim, Reading
from report.sufficiency import coverage
from report.types import Phrase, Statement


def deeper_story(reading: Reading) -> list[Statement]:
    debate = reading.debate
    if not coverage(debate).sufficient:
        return []  # no evidence, no pattern beneath it
    story: list[Statement] = []
    found = key_points(reading)
    if len(reading.options) == 2 and found.points:
        a, b = reading.options
        top = found.points[0]
        story.append(
            Statement(
                text=Phrase(
                    key="story_points",
                    args={
                        "total": len(found.points),
                        "a": a,
                        "b": b,
                        "a_points": len(found.on(a)),
                        "b_points": len(found.on(b)),
                        "point": f"“{top.label}”" if reading.quoted else top.label,
                    },
                ),
                citations=citation_keys(found.grouped[top.label_key]),  # the quote's own
            )
        )
    numbers = [r.number for r in debate.rounds]
    if len(reading.options) == 2 and len(numbers) >= 2:
        a, b = reading.options
        first, last = reading.round_counts(numbers[0]), reading.round_counts(numbers[-1])
        story.append(
            Statement(
                text=Phrase(
                    key="story_shift",
                    args={
                        "first": numbers[0],
                        "last": numbers[-1],
                        "a": a,
                        "b": b,
                        "a_first": first[a],
                        "b_first": first[b],
                        "a_last": last[a],
                        "b_last": last[b],
                    },
                )
            )
        )
    users: dict[str, list[str]] = {}
    for item in reading.claims:
        for key in item.claim.citations:
            users.setdefault(key, [])
            if item.advisor not in users[key]:
                users[key].append(item.advisor)
    if users:
        common = max(users, key=lambda key: (len(users[key]), -list(users).index(key)))
        quote = next(c.claim.text for c in reading.claims if common in c.claim.citations)
        story.append(
            Statement(
                text=Phrase(
                    key="story_common",
                    args={
                        "count": len(users[common]),
                        "advisors": ", ".join(users[common]),
                        "quote": quote,
                    },
                ),
                citations=[common],
            )
        )
    if debate.rounds:
        last_round = debate.rounds[-1]
        better = [
            CitedClaim(t, i, c)
            for t in last_round.turns
            if reading.kind(t.advisor) == MemberKind.DOMAIN
            for i, c in enumerate(t.claims)
            if c.citations
        ]
        if better:
            pick = max(
                better, key=lambda c: (reading.recommends(c.claim.text), reading.strength(c))
            )
            story.append(
                Statement(
                    text=Phrase(key="story_better", args={"quote": pick.claim.text}),
                    citations=list(pick.claim.citations),
                )
            )
    contrarian = [
        c
        for c in reading.claims
        if c.claim.citations
        and reading.kind(c.advisor) == MemberKind.CONTRARIAN
        and len(users.get(c.claim.citations[0], [])) == 1
    ]
    if contrarian:
        pick = max(contrarian, key=reading.strength)
        story.append(
            Statement(
                text=Phrase(key="story_contrarian", args={"quote": pick.claim.text}),
                citations=list(pick.claim.citations),
            )
        )
    return story
