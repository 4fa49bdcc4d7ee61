"""The extractive engine: a debate assembled from the sources, with no generative model.

Every sentence it writes is one of two things:

* a **quote** from a passage in the speaker's brief, verbatim (shortened with "…" when very
  long), followed by its citation marker ``[@chunk_id]``; these quotes are the claims;
* a **templated connective** that only talks about the debate itself: who said what
  earlier, how the speaker's brief is balanced, what the fact-check measured ("Building on
  X's point that ...", "The evidence I was given does not address ...").

It never states a fact of its own. How it chooses:

* **Stance** of every passage in every brief toward the question (`debate.stance`).
* **Lens**: each advisor's brief was retrieved through their lens; within it, sentences are
  ranked by embedding similarity to the round's theme, the question and the lens, with a
  bonus for figures in the measurement round and for recommendations in the last round,
  and a penalty for passages the advisor (or anyone) already cited.
* **Responding**: each turn answers the earlier turn whose claims are closest to its own
  first claim; the connective says whether the speaker's evidence leans the same way,
  the other way, or concedes the point.
* **The Contrarian** argues from its own brief, retrieved with every other brief's chunks
  ranked last, and prefers passages nobody has cited that lean against the round's
  majority.
* **The Auditor** fact-checks every claim made since its last turn against the passages
  the claim cites (`debate.support`: the citation judge, or a labelled fallback).
* **Summaries** group the round's turns by leaning: agreements are leanings shared by
  several advisors, disagreements are opposite leanings, plus the Contrarian's challenge
  and the Auditor's tally.
* **Confidence** is the evidence balance each advisor saw: with p passages in their brief
  leaning toward the panel's verdict and c against, ``(p + 1) / (p + c + 2)``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from debate.quote_use import UseChecker
from debate.stance import (
    clear_lead,
    evidence_probability,
    leading_side,
    lean_of_set,
    read_stances,
)
from debate.summary import summarize_round
from debate.support import SupportScorer, default_scorer, fact_check, split_sentences
from debate.types import (
    Claim,
    Confidence,
    Debate,
    FactCheck,
    LLMCall,
    MemberKind,
    Move,
    PanelMember,
    PassageStance,
    Round,
    RoundSummary,
    Turn,
    TurnRef,
    cite,
)
from debate.wording import (
    condense,
    consensus_line,
    leading_option,
    reads_as_sentence,
    short,
    theme_bonus,
    theme_kind,
    warns,
)
from ingest.library import Library
from retrieval.types import Evidence

MIN_QUOTE = 40
CLAIMS_PER_TURN = 2
# A sentence must be at least this close to the question (cosine) to be quoted at all: a
# brief holds passages that merely share words with it, and citing those would pad the
# transcript. What no one quotes is reported as retrieved but unused, as it should be.
MIN_QUESTION_SIMILARITY = 0.3


class ExtractiveEngine:
    """See the module docstring. Stateless between runs: everything it needs is rebuilt
    from the `Debate` in `prepare`, so a resumed run continues exactly."""

    name = "extractive"

    def __init__(self, scorer: SupportScorer | None = None):
        self._scorer = scorer
        self.evidence: dict[str, Evidence] = {}
        self.quotes: dict[str, list[str]] = {}
        self.vectors: dict[str, np.ndarray] = {}  # sentence text -> unit vector
        self.stances: dict[str, PassageStance] = {}
        self._use: UseChecker | None = None

    def settings(self) -> dict[str, Any]:
        return {
            "prose": "assembled from sources, not generated: quotes with citations and "
            "templated connectives",
            "stance": "see each PassageStance.method (the reader model, else a heuristic)",
            "confidence": "evidence balance of each advisor's brief: (p + 1) / (p + c + 2)",
            "factcheck": self._scorer.method if self._scorer else "audit.judge if available",
        }

    def propose_panel(self, question: str) -> list[PanelMember] | None:
        return None  # debate.panel.choose_panel seats roles from the catalogue

    def take_calls(self) -> list[LLMCall]:
        return []

    # ---------------------------------------------------------------------------------
    # Preparation: quotes, vectors and stances for every passage in every brief

    def prepare(self, debate: Debate, library: Library) -> None:
        self.embedder = library.embedder
        if self._scorer is None:
            self._scorer = default_scorer(self.embedder)
        for item in (item for brief in debate.briefs.values() for item in brief.evidence):
            self.evidence.setdefault(item.key, item)
        for key, item in self.evidence.items():
            candidates = [condense(s) for s in split_sentences(item.text)]
            quotes = [s for s in candidates if len(s) >= MIN_QUOTE and reads_as_sentence(s)]
            self.quotes[key] = quotes or [condense(item.text)]
        keys = list(self.evidence)
        texts = [self.evidence[key].text for key in keys]
        anchors = [
            debate.question,
            *debate.themes,
            *(m.advisor.lens or m.advisor.role for m in debate.panel),
            *debate.frame.options,
        ]
        sentences = list(dict.fromkeys(q for key in keys for q in self.quotes[key]))
        vectors = self.embedder.embed([*anchors, *texts, *sentences])
        n_anchors, n_texts = len(anchors), len(texts)
        self.vectors = dict(zip(anchors, vectors[:n_anchors], strict=True))
        self.vectors.update(zip(sentences, vectors[n_anchors + n_texts :], strict=True))
        passage_vectors = vectors[n_anchors : n_anchors + n_texts]
        option_vectors = np.stack([self.vectors[o] for o in debate.frame.options])
        passages = dict(zip(keys, texts, strict=True))
        self.stances = read_stances(
            debate.frame, passages, passage_vectors, option_vectors, question=debate.question
        )
        debate.stances = list(self.stances.values())
        known = {**self.vectors, **dict(zip(texts, passage_vectors, strict=True))}
        self._use = UseChecker(self.embedder.embed, self.stances, known)

    def _vector(self, text: str) -> np.ndarray:
        if text not in self.vectors:
            self.vectors[text] = self.embedder.embed([text])[0]
        return self.vectors[text]

    # ---------------------------------------------------------------------------------
    # Positions: which way a set of passages leans

    def balance(self, keys: list[str], debate: Debate) -> tuple[str | None, Counter[str]]:
        """The leaning of these passages and how many lean to each option."""
        leanings = [self.stances[key].leaning for key in keys if key in self.stances]
        counts: Counter[str] = Counter(leaning for leaning in leanings if leaning)
        return lean_of_set(leanings), counts

    def turn_leaning(self, turn: Turn, debate: Debate) -> str | None:
        keys = [key for claim in turn.claims for key in claim.citations]
        return self.balance(keys, debate)[0] if keys else None

    def position(self, advisor: str, debate: Debate) -> str | None:
        return self.balance(debate.ledger.briefs.get(advisor, []), debate)[0]

    # ---------------------------------------------------------------------------------
    # Choosing quotes

    def pick_quotes(
        self,
        debate: Debate,
        round_: Round,
        member: PanelMember,
        lean_toward: str | None,
        lean_weight: float,
        avoid_cited: float,
        count: int = CLAIMS_PER_TURN,
    ) -> list[tuple[str, str]]:
        """Up to `count` (chunk id, sentence) pairs from different passages, best first."""
        name = member.advisor.name
        kind = theme_kind(round_.theme)
        run_date = debate.created_at.date()
        mine = {
            c for t in debate.turns() if t.advisor == name for cl in t.claims for c in cl.citations
        }
        cited_now = {c for t in round_.turns for cl in t.claims for c in cl.citations}
        cited = set(debate.ledger.cited) | cited_now
        quoted = {cl.text for t in [*debate.turns(), *round_.turns] for cl in t.claims}
        theme, question = self.vectors[round_.theme], self.vectors[debate.question]
        lens = self.vectors[member.advisor.lens or member.advisor.role]
        scored: list[tuple[float, str, str]] = []
        for key in debate.ledger.briefs.get(name, []):
            stance = self.stances.get(key)
            for sentence in self.quotes.get(key, []):
                vector = self.vectors[sentence]
                relevance = float(vector @ question)
                if relevance < MIN_QUESTION_SIMILARITY:
                    continue
                value = 0.4 * float(vector @ theme) + 0.3 * relevance
                value += 0.3 * float(vector @ lens)
                value += theme_bonus(kind, sentence, run_date)
                if sentence in quoted:
                    value -= 0.25  # the panel repeating one line is not a debate
                if key in mine:
                    value -= 0.3
                elif key in cited:
                    value -= avoid_cited
                if lean_toward and stance and stance.leaning:
                    value += lean_weight if stance.leaning == lean_toward else -lean_weight
                scored.append((value, key, sentence))
        scored.sort(key=lambda item: -item[0])
        chosen: list[tuple[str, str]] = []
        for _, key, sentence in scored:
            if all(key != k and sentence != s for k, s in chosen):
                chosen.append((key, sentence))
            if len(chosen) == count:
                break
        return chosen

    def respond_target(
        self, debate: Debate, round_: Round, speaker: str, sentence: str
    ) -> tuple[Turn, int] | None:
        """The earlier turn (and claim) closest to `sentence`: this round first, then the
        previous one; never the speaker's own."""
        pool = [t for t in round_.turns if t.advisor != speaker and t.claims]
        if not pool and debate.rounds:
            pool = [t for t in debate.rounds[-1].turns if t.advisor != speaker and t.claims]
        if not pool:
            return None
        vector = self._vector(sentence)
        best: tuple[float, Turn, int] | None = None
        for turn in pool:
            for index, claim in enumerate(turn.claims):
                similarity = float(self._vector(claim.text) @ vector)
                if best is None or similarity > best[0]:
                    best = (similarity, turn, index)
        return (best[1], best[2]) if best else None

    # ---------------------------------------------------------------------------------
    # Turns

    def turn(self, debate: Debate, round_: Round, member: PanelMember) -> Turn:
        if member.kind == MemberKind.AUDITOR:
            return self._auditor_turn(debate, round_, member)
        if member.kind == MemberKind.CONTRARIAN:
            return self._contrarian_turn(debate, round_, member)
        return self._domain_turn(debate, round_, member)

    def _domain_turn(self, debate: Debate, round_: Round, member: PanelMember) -> Turn:
        name = member.advisor.name
        position = self.position(name, debate)
        quotes = self.pick_quotes(debate, round_, member, position, 0.05, 0.1)
        if not quotes:
            return self._nothing_to_add(round_, member)
        target = self.respond_target(debate, round_, name, quotes[0][1])
        my_leaning = self.balance([quotes[0][0]], debate)[0]
        kind = theme_kind(round_.theme)
        parts: list[str] = []
        move = {
            "premise": Move.REFRAME,
            "assumptions": Move.CHALLENGE,
            "story": Move.PROPOSE,
        }.get(kind, Move.SHARE)
        responds_to = None
        if target is not None:
            turn, index = target
            responds_to = TurnRef(round=turn.round, advisor=turn.advisor, claim=index)
            their = self.turn_leaning(turn, debate)
            said = short(turn.claims[index].text)
            if their and my_leaning and their != my_leaning:
                parts.append(
                    f"{turn.advisor} argued that “{said}”; the evidence I was given points "
                    "the other way."
                )
                move = Move.CHALLENGE if move == Move.SHARE else move
            elif their and my_leaning == their and position and position != their:
                parts.append(
                    f"{turn.advisor} has a point that “{said}”: even my own sources, which "
                    f"mostly lean toward '{position}', include this."
                )
                move = Move.CONCEDE
            elif their and my_leaning == their:
                parts.append(f"Building on {turn.advisor}'s point that “{said}”:")
            else:
                parts.append(f"Responding to {turn.advisor}'s point that “{said}”:")
        parts.append(self._theme_opener(kind, name, debate))
        claims = [Claim(text=sentence, citations=[key]) for key, sentence in quotes]
        parts.extend(f"“{claim.text}” {cite(claim.citations[0])}" for claim in claims)
        if move == Move.SHARE and my_leaning and warns(quotes[0][1], debate.created_at.date()):
            move = Move.WARN
        return Turn(
            round=round_.number,
            advisor=name,
            move=move,
            text=" ".join(p for p in parts if p),
            claims=claims,
            responds_to=responds_to,
            argues=position,
        )

    def _theme_opener(self, kind: str, name: str, debate: Debate) -> str:
        if kind == "opening":
            keys = debate.ledger.briefs.get(name, [])
            _, counts = self.balance(keys, debate)
            a, b = debate.frame.options[:2]
            return (
                f"Of the {len(keys)} passages in my brief, {counts[a]} lean toward '{a}' and "
                f"{counts[b]} toward '{b}' (as each passage's stance was read: see "
                "debate.json). My sources:"
            )
        return {
            "premise": "On the premise of the question, my sources say:",
            "measurement": "On what was actually measured, my sources say:",
            "assumptions": "The assumption I would put on the table, in my sources' words:",
            "story": "The better story, in my sources' words:",
        }.get(kind, "")

    def _nothing_to_add(self, round_: Round, member: PanelMember) -> Turn:
        return Turn(
            round=round_.number,
            advisor=member.advisor.name,
            move=Move.QUESTION,
            text="The evidence I was given does not address this round's theme.",
        )

    def _contrarian_turn(self, debate: Debate, round_: Round, member: PanelMember) -> Turn:
        name = member.advisor.name
        leanings = Counter(
            lean for t in round_.turns if (lean := self.turn_leaning(t, debate)) is not None
        )
        consensus = leading_option(leanings)
        against = next((o for o in debate.frame.options if o != consensus), None)
        quotes = self.pick_quotes(debate, round_, member, against if consensus else None, 0.3, 0.3)
        if not quotes:
            return self._nothing_to_add(round_, member)
        parts = []
        responds_to = None
        if consensus:
            backers = [t for t in round_.turns if self.turn_leaning(t, debate) == consensus]
            last = backers[-1]
            responds_to = TurnRef(round=last.round, advisor=last.advisor, claim=0)
            parts.append(consensus_line(leanings, consensus, len(round_.turns)))
        else:
            parts.append("No position leads this round; here is what was left out.")
        uncited = [k for k, _ in quotes if k not in debate.ledger.cited]
        cuts_against = [k for k, _ in quotes if self.stances[k].leaning == against]
        if consensus and cuts_against:
            parts.append("Evidence the others have not used cuts the other way:")
        elif uncited:
            parts.append("Evidence nobody has cited yet:")
        else:
            parts.append("What the others passed over:")
        claims = [Claim(text=sentence, citations=[key]) for key, sentence in quotes]
        parts.extend(f"“{claim.text}” {cite(claim.citations[0])}" for claim in claims)
        return Turn(
            round=round_.number,
            advisor=name,
            move=Move.CHALLENGE,
            text=" ".join(parts),
            claims=claims,
            responds_to=responds_to,
            argues=against if consensus else None,
        )

    def _auditor_turn(self, debate: Debate, round_: Round, member: PanelMember) -> Turn:
        name = member.advisor.name
        turns = debate.turns() + round_.turns
        spoke = [i for i, t in enumerate(turns) if t.advisor == name]
        since = turns[spoke[-1] + 1 :] if spoke else turns
        checks = self.fact_check(debate, since)
        assert self._scorer is not None  # set in prepare
        parts = [
            f"I checked {len(checks)} claims made since my last turn against the passages "
            f"they cite ({self._scorer.method})."
        ]
        for verdict, label in (
            ("supported", "Backed by their passages"),
            ("partially_supported", "Only partly backed"),
            ("not_supported", "Not backed by the passages they cite"),
            ("contradicted", "Contradicted by the passages they cite"),
            ("uncited", "Resting on experience, not on a source"),
        ):
            found = [c for c in checks if c.verdict == verdict]
            if found:
                shown = found if verdict != "supported" else found[:3]
                listed = "; ".join(
                    f"{c.target.advisor} (“{short(c.claim, 60)}”, score {c.score:.2f})"
                    for c in shown
                )
                more = f", and {len(found) - len(shown)} more" if len(found) > len(shown) else ""
                parts.append(f"{label} ({len(found)}): {listed}{more}.")
        weakest = min(checks, key=lambda c: c.score) if checks else None
        quotes = self.pick_quotes(debate, round_, member, None, 0.0, 0.1, count=1)
        claims = [Claim(text=sentence, citations=[key]) for key, sentence in quotes]
        if claims:
            parts.append("What my own brief can establish on this round's theme:")
            parts.extend(f"“{claim.text}” {cite(claim.citations[0])}" for claim in claims)
        else:
            parts.append("The evidence I was given does not address this round's theme.")
        return Turn(
            round=round_.number,
            advisor=name,
            move=Move.FACTCHECK,
            text=" ".join(parts),
            claims=claims,
            responds_to=weakest.target if weakest else None,
            checks=checks,
        )

    def fact_check(self, debate: Debate, turns: list[Turn]) -> list[FactCheck]:
        """Each claim against its passages (the judge), then how it uses them."""
        assert self._scorer is not None and self._use is not None  # set in prepare
        passages = {key: item.text for key, item in self.evidence.items()}
        return self._use.check(debate, fact_check(turns, passages, self._scorer), turns)

    # ---------------------------------------------------------------------------------
    # Summaries and confidences

    def summarize(self, debate: Debate, round_: Round) -> RoundSummary:
        leanings = {turn.advisor: self.turn_leaning(turn, debate) for turn in round_.turns}
        return summarize_round(debate, round_, leanings)

    def conclude(self, debate: Debate) -> tuple[str | None, list[Confidence]]:
        cited = [key for key in debate.ledger.cited if key in self.stances]
        _, counts = self.balance(cited, debate)
        a, b = debate.frame.options[:2]
        verdict_option = leading_side(counts, a, b)
        other = b if verdict_option == a else a
        sided = counts[a] + counts[b]
        if not clear_lead(counts[verdict_option], counts[other]):
            leaning = (
                f"The cited evidence is too close to call between '{a}' and '{b}' "
                f"({counts[a]} to {counts[b]} cited passages that take a side); confidences "
                f"below refer to '{verdict_option}'."
            )
        else:
            leaning = (
                f"On balance the cited evidence leans toward '{verdict_option}' "
                f"({counts[verdict_option]} of {sided} cited passages that take a side)."
            )
        confidences = []
        for member in debate.panel:
            keys = debate.ledger.briefs.get(member.advisor.name, [])
            _, mine = self.balance(keys, debate)
            pro, con = mine[verdict_option], mine[other]
            percent = round(100 * evidence_probability(pro, pro + con))
            confidences.append(
                Confidence(
                    advisor=member.advisor.name,
                    percent=percent,
                    reason=f"{pro} of the {len(keys)} passages in my brief lean toward "
                    f"'{verdict_option}', {con} toward '{other}', and "
                    f"{len(keys) - pro - con} take no side.",
                    method="evidence balance",
                )
            )
        return leaning, confidences
