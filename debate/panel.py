"""The panel: a built-in set of advisors, the two fixed roles, round themes, and the YAML
panel file that overrides them.

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

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from debate.types import MemberKind, PanelMember
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

BUILTIN_ADVISORS = [
    Advisor(
        name="Amara Osei",
        role="Chief Operating Officer",
        lens="How work flows between teams: where it queues, cycle time, throughput, "
        "handoffs, capacity and bottlenecks in delivery and operations.",
        background="Ran operations and delivery at two growth-stage software companies.",
        beliefs="A gain in one stage is wasted if the next stage cannot absorb it.",
    ),
    Advisor(
        name="Daniel Reyes",
        role="Strategy and product leader",
        lens="Competitive advantage, customers and markets: product decisions, customer "
        "value and adoption, where value is captured and how rivals respond.",
        background="Led product strategy and corporate development in B2B software.",
        beliefs="Speed only matters if it is pointed at what customers will pay for.",
    ),
    Advisor(
        name="Ingrid Halvorsen",
        role="Chief Financial Officer and economist",
        lens="Costs, returns and measured productivity: revenue, margins, investment, "
        "payback, productivity statistics and what the numbers can and cannot show.",
        background="Trained as an economist; CFO of a listed services firm.",
        beliefs="Most early productivity claims shrink when measured properly.",
    ),
    Advisor(
        name="Kenji Watanabe",
        role="Chief Technology Officer",
        lens="Technology and engineering practice: tools, adoption, code quality, "
        "reliability, skills, data and the risks of new technology.",
        background="Built engineering organisations from 20 to 600 people.",
        beliefs="Tools amplify the practices they land in, good or bad.",
    ),
]

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


def builtin_panel() -> list[PanelMember]:
    """Four domain advisors for business and strategy questions."""
    return [PanelMember(advisor=advisor) for advisor in BUILTIN_ADVISORS]


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
