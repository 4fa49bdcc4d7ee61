"""The panel: domain advisors fitted to the question, the two fixed roles, round themes,
and the YAML panel file that overrides them.

Who sits, in order of precedence: a ``--panel`` file; else the advisors an LLM engine
proposes; else `choose_panel` ranks the role catalogue (`debate.roles`) without a language
model. A role's relevance is the cosine of its role and lens to the question, blended with
its cosine to the centroid of the passages the library returns for the question, plus
a lexical part: the share of the question's words (stemmed, weighted by rarity across the
catalogue) that the role's title and lens contain, so a question that names a field
("engineering", "go-to-market") reaches the role that names it too. The panel is then
picked greedily with a penalty for resembling a role already seated (maximal marginal
relevance), so near-identical roles do not crowd the panel. The Auditor and the
Contrarian always sit.

Panel file format (YAML)::

    advisors:                      # speaking order; 1 or more
      - name: Amara Osei
        role: Chief Operating Officer
        lens: where work queues up between teams, cycle time, capacity ...
        background: ran operations at two SaaS companies     # optional
        beliefs: bottlenecks move rather than disappear      # optional
        kind: domain               # optional: domain (default), auditor or contrarian
    fixed_roles: true              # optional (default true): add the built-in Auditor and
                                   # Contrarian unless the file defines that kind itself
    rounds:                        # optional: round themes, replacing the defaults
      - Opening positions
      - ...

The Contrarian and the Auditor always speak after the domain advisors (the Contrarian
attacks the round's emerging consensus, the Auditor checks what was claimed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from debate.roles import CATALOGUE
from debate.types import MemberKind, PanelChoice, PanelMember, RoleScore
from ingest.embedding import Embedder
from ingest.library import Library
from retrieval.lexical import Tokenizer
from retrieval.search import search
from retrieval.types import Advisor

DEFAULT_THEMES = [
    "Opening positions: what is your answer, and what evidence carries it?",
    "Challenge the premise: is the question framed right, and what does it take for granted?",
    "Who holds the measurement: what was actually measured, by whom, and what is only believed?",
    "Assumptions: the assumption you have never had to defend, and which of another "
    "advisor's assumptions is dangerous.",
    "The hidden story and the better story, with one concrete systemic change.",
]
OPEN_FLOOR = "Open floor: answer the strongest point made so far."

AUDITOR = Advisor(
    name="The Auditor",
    role="Fact-checks claims against the sources and names what is and is not in evidence.",
    lens="Methodology and measurement: randomized trials, sample sizes, what was measured "
    "versus self-reported, limitations, and whether a figure is attributed to a source.",
    background="A research auditor: reads the methods section first.",
    beliefs="A claim is only as good as the passage that backs it.",
)
CONTRARIAN = Advisor(
    name="The Contrarian",
    role="Attacks the emerging consensus, drawing on evidence the others left unused.",
    lens="Counter-evidence, overlooked risks, alternative explanations, and reasons the "
    "majority view could be wrong.",
    background="Has seen confident panels be wrong before.",
    beliefs="If everyone agrees, someone has not looked at all the evidence.",
)


class PanelError(ValueError):
    """A panel file a user has to fix (the message says what)."""


class PanelEntry(Advisor):
    """One advisor in a panel file."""

    kind: MemberKind = Field(MemberKind.DOMAIN, description="domain, auditor or contrarian.")


class PanelFile(BaseModel):
    """The YAML panel file, validated."""

    model_config = ConfigDict(extra="forbid")

    advisors: list[PanelEntry] = Field(min_length=1, description="The panel, in speaking order.")
    fixed_roles: bool = Field(True, description="Add the built-in Auditor and Contrarian.")
    rounds: list[str] | None = Field(None, description="Round themes replacing the defaults.")


DEFAULT_PANEL_SIZE = 4
# Passages the library returns for the question; their centroid (each weighted by its
# cosine to the question) says what the library holds on it.
LIBRARY_PASSAGES = 12
# The library's share of the cosine part. A specific question outweighs an off-topic
# library (electric buses against the demo library still seat a transport engineer, a city
# planner and an energy economist); a question that names no field ("Should the rule apply
# to everyone from next year?") takes its panel from the library.
LIBRARY_WEIGHT = 0.4
# Weight of the lexical part (a share in 0..1; the cosines sit around 0.1-0.5).
LEXICAL_WEIGHT = 0.3
# Maximal marginal relevance: a candidate loses DIVERSITY per unit of cosine above SIMILAR
# to the most similar role already seated. Catalogue roles sit at a median cosine of 0.23
# to each other (90th percentile 0.39), so only close pairs are held apart (transport and
# grid engineers, 0.70: electric buses seat one of them); an epidemiologist and a
# public-health official (0.56) both sit when the question is about vaccination, and
# three near-identical epidemiologists (~0.9) never do (tests/test_panel.py).
DIVERSITY = 0.8
SIMILAR = 0.4
RUNNERS_UP = 4  # unseated roles recorded with their scores, so a reader sees the margin

_ROLE_VECTORS: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}


def role_text(advisor: Advisor) -> str:
    """What is embedded for a role: its title and its lens."""
    return f"{advisor.role}: {advisor.lens}"


def fit_panel(
    library: Library,
    question: str,
    proposed: list[PanelMember] | None,
    size: int = DEFAULT_PANEL_SIZE,
) -> tuple[list[PanelMember], PanelChoice]:
    """The panel with its fixed roles: the engine's proposal if it made one (an LLM
    engine), else `size` roles chosen from the catalogue."""
    if proposed:
        note = f"{len(proposed)} advisors proposed by the engine's language model"
        return with_fixed_roles(proposed), PanelChoice(method="llm", note=note)
    members, choice = choose_panel(library, question, size)
    return with_fixed_roles(members), choice


def choose_panel(
    library: Library,
    question: str,
    size: int = DEFAULT_PANEL_SIZE,
    catalogue: Sequence[Advisor] = CATALOGUE,
) -> tuple[list[PanelMember], PanelChoice]:
    """`size` domain advisors from `catalogue` that fit `question` and what `library`
    holds on it, without a language model; the same inputs always give the same panel."""
    if size < 1:
        raise PanelError("a panel needs at least one domain advisor")
    size = min(size, len(catalogue))
    embedder = library.embedder
    passages = search(library, question, k=LIBRARY_PASSAGES)
    texts = [question, *(f"{p.title}\n{p.text}" if p.title else p.text for p in passages)]
    vectors = embedder.embed(texts)
    asked, found = vectors[0], vectors[1:]
    roles = _role_vectors(embedder, catalogue)
    question_fit = roles @ asked
    library_fit = np.zeros(len(catalogue), dtype=np.float32)
    weight = 0.0
    bearing = np.clip(found @ asked, 0.0, 1.0) if len(found) else np.zeros(0)
    if bearing.sum() > 0:
        centroid = bearing @ found
        library_fit = roles @ (centroid / np.linalg.norm(centroid))
        weight = LIBRARY_WEIGHT
    lexical_fit = _word_overlap(question, catalogue)
    relevance = (1.0 - weight) * question_fit + weight * library_fit + LEXICAL_WEIGHT * lexical_fit
    # Picked for diversity, seated (and speaking) in order of relevance.
    seated = sorted(_diverse(relevance, roles, size), key=lambda i: -relevance[i])
    rest = [i for i in np.argsort(-relevance, kind="stable") if i not in seated]
    scores = [
        RoleScore(
            name=catalogue[i].name,
            role=catalogue[i].role,
            score=round(float(relevance[i]), 4),
            question=round(float(question_fit[i]), 4),
            library=round(float(library_fit[i]), 4),
            words=round(float(lexical_fit[i]), 4),
            seated=i in seated,
        )
        for i in [*seated, *rest[:RUNNERS_UP]]
    ]
    note = (
        f"{size} of {len(catalogue)} catalogue roles, chosen without a language model: "
        f"relevance = cosine to the question blended with cosine to the {len(passages)} "
        f"passages the library returns for it (library weight {weight:.2f}), plus "
        f"{LEXICAL_WEIGHT} x the share of the question's words the role names; picked one "
        f"by one, each losing {DIVERSITY} x its cosine above {SIMILAR} to the most similar "
        "role already seated"
    )
    members = [PanelMember(advisor=catalogue[i]) for i in seated]
    return members, PanelChoice(method="catalogue", note=note, scores=scores)


def _role_vectors(embedder: Embedder, catalogue: Sequence[Advisor]) -> np.ndarray:
    """Unit vectors of the roles, embedded once per model and catalogue."""
    texts = tuple(role_text(advisor) for advisor in catalogue)
    key = (embedder.fingerprint, texts)
    if key not in _ROLE_VECTORS:
        _ROLE_VECTORS[key] = embedder.embed(list(texts))
    return _ROLE_VECTORS[key]


def _word_overlap(question: str, catalogue: Sequence[Advisor]) -> np.ndarray:
    """Per role, the share of the question's words it names, each word weighted by its
    BM25 idf across the catalogue (a word every role names counts for little; a word no
    role names still counts in the total, so one chance match is not the whole question)."""
    tokenize = Tokenizer()  # the library's BM25 terms: stemmed, stopwords dropped
    asked = set(tokenize(question))
    roles = [set(tokenize(role_text(advisor))) for advisor in catalogue]
    count = len(roles)

    def idf(word: str) -> float:
        df = sum(word in role for role in roles)
        return float(np.log(1.0 + (count - df + 0.5) / (df + 0.5)))

    weights = {word: idf(word) for word in asked}
    total = sum(weights.values())
    if total == 0:
        return np.zeros(count, dtype=np.float32)
    return np.array(
        [sum(w for word, w in weights.items() if word in role) / total for role in roles],
        dtype=np.float32,
    )


def _diverse(relevance: np.ndarray, vectors: np.ndarray, size: int) -> list[int]:
    """Greedy maximal marginal relevance; ties go to the earlier catalogue entry."""
    seated: list[int] = []
    for _ in range(size):
        best, best_value = -1, -np.inf
        for i in range(len(relevance)):
            if i in seated:
                continue
            overlap = max((float(vectors[i] @ vectors[j]) for j in seated), default=0.0)
            value = float(relevance[i]) - DIVERSITY * max(0.0, overlap - SIMILAR)
            if value > best_value:
                best, best_value = i, value
        seated.append(best)
    return seated


def with_fixed_roles(members: list[PanelMember]) -> list[PanelMember]:
    """Add the Auditor and Contrarian where missing; order: domain, contrarian, auditor."""
    kinds = {member.kind for member in members}
    if MemberKind.CONTRARIAN not in kinds:
        members = [*members, PanelMember(advisor=CONTRARIAN, kind=MemberKind.CONTRARIAN)]
    if MemberKind.AUDITOR not in kinds:
        members = [*members, PanelMember(advisor=AUDITOR, kind=MemberKind.AUDITOR)]
    return speaking_order(members)


def speaking_order(members: list[PanelMember]) -> list[PanelMember]:
    rank = {MemberKind.DOMAIN: 0, MemberKind.CONTRARIAN: 1, MemberKind.AUDITOR: 2}
    return sorted(members, key=lambda member: rank[member.kind])  # stable: keeps file order


def check_names(members: list[PanelMember]) -> None:
    names = [member.advisor.name for member in members]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PanelError(f"advisor names must be unique; repeated: {', '.join(duplicates)}")


def load_panel_file(path: Path) -> tuple[list[PanelMember], list[str] | None]:
    """The panel (with fixed roles added unless switched off) and round themes, if given."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PanelError(f"cannot read panel file {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise PanelError(f"{path} is not valid YAML: {exc}") from exc
    try:
        parsed = PanelFile.model_validate(data)
    except ValidationError as exc:
        raise PanelError(f"{path} is not a valid panel file:\n{exc}") from exc
    members = [
        PanelMember(advisor=Advisor(**entry.model_dump(exclude={"kind"})), kind=entry.kind)
        for entry in parsed.advisors
    ]
    members = with_fixed_roles(members) if parsed.fixed_roles else speaking_order(members)
    check_names(members)
    return members, parsed.rounds


def themes_for(rounds: int, themes: list[str] | None = None) -> list[str]:
    """`rounds` themes: the given (or default) ones, then open-floor rounds."""
    if rounds < 1:
        raise PanelError("a debate needs at least one round")
    base = list(themes or DEFAULT_THEMES)
    return (base + [OPEN_FLOOR] * rounds)[:rounds]
