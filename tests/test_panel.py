"""The panel fitted to the question: the extractive engine seats roles from the catalogue
by fit to the question and to what the library holds, with the real embedder and real
libraries; an LLM engine's proposal and a YAML panel file still take precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import open_library

from debate import panel as panel_module
from debate.extractive import ExtractiveEngine
from debate.panel import AUDITOR, CONTRARIAN, PanelError, choose_panel, fit_panel
from debate.roles import CATALOGUE
from debate.run import start_debate
from debate.types import Debate, MemberKind, PanelMember
from ingest.library import SourceRequest
from retrieval.types import Advisor

DEMO_QUESTION = (
    "We see AI gains in engineering but not in product or go-to-market: "
    "is that an advantage or an imbalance?"
)
VACCINE_QUESTION = (
    "Should childhood measles vaccination be mandatory for school entry, or should "
    "the health service rely on reminders and free clinics?"
)
ENERGY_QUESTION = (
    "Should the country phase out its coal power plants by 2035 and replace them with "
    "wind, solar and battery storage?"
)
# Says nothing about its domain: only the library can tell the panel what it is about.
AMBIGUOUS_QUESTION = "Should the rule apply to everyone from next year, or be phased in?"

# Illustrative documents, written for these tests (not copied from a source).
VACCINATION = {
    "measles-outbreaks.md": (
        "Measles outbreaks and vaccination coverage",
        "Measles is among the most contagious infections: each case infects 12 to 18 "
        "susceptible people, so outbreaks stop only when vaccination coverage with two "
        "doses stays above 95 percent. A cohort study of 650,000 children found no link "
        "between the MMR vaccine and autism. When coverage in one district fell to 86 "
        "percent, incidence rose tenfold within two years and hospital admissions of "
        "infants too young to be vaccinated followed.",
    ),
    "school-mandates.md": (
        "School-entry vaccination mandates: what the evidence shows",
        "States that removed non-medical exemptions from school-entry vaccination "
        "requirements raised kindergarten MMR coverage by two to four percentage points. "
        "Mandates work best alongside free vaccination clinics and reminder letters from "
        "family doctors; strict mandates without access to clinics increased vaccine "
        "hesitancy among some parents. Public-health officials weigh mandates against "
        "trust in the immunisation programme and equity of access to care.",
    ),
    "clinic-reminders.md": (
        "Reminder and recall systems in primary care",
        "A randomized trial in 40 primary-care practices found that text-message reminders "
        "raised on-time childhood immunisation by 6 percent, and nurse-led recall clinics "
        "reached families who had missed appointments. Adverse events after vaccination "
        "were rare and mild: fever and a sore arm. Paediatricians reported that a "
        "conversation with a trusted clinician changed more parents' minds than letters.",
    ),
}
ENERGY = {
    "coal-phase-out.md": (
        "The cost of phasing out coal power",
        "Utility-scale solar and onshore wind now produce electricity more cheaply than "
        "most existing coal plants, with levelised costs falling by 85 and 55 percent in a "
        "decade. Carbon pricing raised coal generation costs further. Closing coal plants "
        "early cut greenhouse gas emissions from the power sector by a third in countries "
        "that did so, while wholesale electricity prices changed little.",
    ),
    "grid-storage.md": (
        "Keeping the grid reliable with renewables and batteries",
        "As the share of wind and solar rises, grid operators need battery storage, "
        "transmission lines and flexible demand to balance supply every second. Grid-scale "
        "batteries now cover evening peak demand in several markets. Intermittency raises "
        "the cost of reliability when renewables pass 60 percent of generation, and new "
        "transmission takes seven to ten years to build.",
    ),
    "coal-regions.md": (
        "Climate targets and coal regions",
        "Meeting net zero targets requires power-sector emissions to fall by 80 percent by "
        "2035. Coal plant closures concentrate job losses in a few regions; retraining "
        "programmes and public investment in new industry decided whether unemployment "
        "there rose. Air pollution from coal causes thousands of premature deaths a year.",
    ),
}


def _write(folder: Path, documents: dict[str, tuple[str, str]]) -> list[SourceRequest]:
    folder.mkdir(parents=True, exist_ok=True)
    requests = []
    for name, (title, body) in documents.items():
        path = folder / name
        path.write_text(f"---\ntitle: {title}\ndate: 2025-03-01\n---\n# {title}\n\n{body}\n")
        requests.append(SourceRequest(location=str(path)))
    return requests


@pytest.fixture(scope="module")
def topic_libraries(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """Three real libraries: vaccination only, energy only, and both together."""
    root = tmp_path_factory.mktemp("topics")
    vaccination = _write(root / "docs-vaccination", VACCINATION)
    energy = _write(root / "docs-energy", ENERGY)
    libraries = {
        "vaccination": open_library(root / "vaccination", embedder),
        "energy": open_library(root / "energy", embedder),
        "both": open_library(root / "both", embedder),
    }
    libraries["vaccination"].add(vaccination)
    libraries["energy"].add(energy)
    libraries["both"].add([*vaccination, *energy])
    yield libraries
    for library in libraries.values():
        library.close()


def _roles(members: list[PanelMember]) -> list[str]:
    return [member.advisor.role.lower() for member in members]


def _any(roles: list[str], *words: str) -> bool:
    return any(word in role for role in roles for word in words)


def test_the_catalogue_is_large_distinct_and_keeps_the_old_panel() -> None:
    assert len(CATALOGUE) >= 30
    names = [advisor.name for advisor in CATALOGUE]
    assert len(set(names)) == len(names)
    assert len({advisor.role for advisor in CATALOGUE}) == len(CATALOGUE)
    assert {"Amara Osei", "Daniel Reyes", "Ingrid Halvorsen", "Kenji Watanabe"} <= set(names)
    assert not {AUDITOR.name, CONTRARIAN.name} & set(names)
    assert all(len(advisor.lens.split()) >= 12 for advisor in CATALOGUE)


HEALTH = ("epidemiolog", "public-health", "clinician", "nurse", "health economist")
ENERGY_ROLES = ("energy", "grid", "climate")
# Roles about engineering, product, go-to-market, operations and finance.
BUSINESS = {
    "chief operating officer",
    "strategy and product leader",
    "chief financial officer and economist",
    "chief technology officer",
    "product manager",
    "go-to-market leader (sales and marketing)",
    "customer success and support leader",
    "data scientist",
    "investor",
}


def test_a_vaccination_question_seats_health_roles(topic_libraries) -> None:
    members, choice = choose_panel(topic_libraries["both"], VACCINE_QUESTION)
    roles = _roles(members)
    assert len(members) == 4 and choice.method == "catalogue"
    assert sum(_any([role], *HEALTH) for role in roles) >= 2, roles
    assert _any(roles[:2], "epidemiolog", "public-health", "clinician"), roles
    assert not _any(roles, "technology officer", *ENERGY_ROLES), roles


def test_an_energy_question_seats_energy_roles(topic_libraries) -> None:
    members, _ = choose_panel(topic_libraries["both"], ENERGY_QUESTION)
    roles = _roles(members)
    assert _any(roles[:1], "energy economist"), roles
    assert sum(_any([role], *ENERGY_ROLES) for role in roles) >= 2, roles
    assert not _any(roles, *HEALTH, "technology officer"), roles


def test_the_demo_question_seats_engineering_product_and_business_roles(demo_library) -> None:
    members, choice = choose_panel(demo_library, DEMO_QUESTION)
    roles = _roles(members)
    # The library's review of the dynamo and the productivity J-curve can seat a historian
    # of technology in the fourth chair: a near tie with the data scientist, which moved
    # when the PDFs lost their page furniture (ingest/pdf_pages.py). No other field's role.
    assert set(roles) <= BUSINESS | {"historian of technology"}, roles
    assert sum(role in BUSINESS for role in roles) >= 3, roles
    assert "chief technology officer" in roles
    assert _any(roles, "product")
    seated = [score for score in choice.scores if score.seated]
    assert [score.name for score in seated] == [m.advisor.name for m in members]
    assert len(choice.scores) > len(seated)  # the runners-up are recorded too


def test_what_the_library_holds_decides_a_question_that_names_no_field(
    topic_libraries,
) -> None:
    on_health, health_choice = choose_panel(topic_libraries["vaccination"], AMBIGUOUS_QUESTION)
    on_energy, energy_choice = choose_panel(topic_libraries["energy"], AMBIGUOUS_QUESTION)
    assert _any(_roles(on_health)[:2], "epidemiolog", "public-health"), _roles(on_health)
    assert _any(_roles(on_energy)[:2], *ENERGY_ROLES), _roles(on_energy)
    # The library part moved them: the question alone fits these roles only weakly.
    for choice in (health_choice, energy_choice):
        assert choice.scores[0].library > choice.scores[0].question


def test_the_same_question_gets_the_same_panel(topic_libraries) -> None:
    first = choose_panel(topic_libraries["both"], ENERGY_QUESTION)
    panel_module._ROLE_VECTORS.clear()  # the roles are embedded again
    second = choose_panel(topic_libraries["both"], ENERGY_QUESTION)
    assert first == second


def test_near_identical_roles_are_held_apart(topic_libraries) -> None:
    """Three epidemiologists with one lens outscore everyone on a vaccination question;
    maximal marginal relevance seats one of them and then other views."""
    lens = (
        "Disease incidence, infection and transmission, outbreaks, vaccination coverage, "
        "herd immunity, cohort studies and population data."
    )
    twins = [
        Advisor(name=f"Epidemiologist {n}", role=role, lens=lens)
        for n, role in enumerate(
            ["Epidemiologist", "Infectious-disease epidemiologist", "Vaccine epidemiologist"]
        )
    ]
    others = [a for a in CATALOGUE if a.role in ("Ethicist", "Behavioural economist", "Investor")]
    members, choice = choose_panel(
        topic_libraries["vaccination"], VACCINE_QUESTION, size=3, catalogue=[*twins, *others]
    )
    names = [member.advisor.name for member in members]
    assert sum(name.startswith("Epidemiologist") for name in names) == 1, names
    by_score = sorted(choice.scores, key=lambda score: -score.score)
    assert all(score.name.startswith("Epidemiologist") for score in by_score[:3])


def test_fixed_roles_always_sit_and_the_count_is_configurable(topic_libraries) -> None:
    library = topic_libraries["both"]
    members, choice = fit_panel(library, VACCINE_QUESTION, None, size=6)
    kinds = [member.kind for member in members]
    assert kinds == [MemberKind.DOMAIN] * 6 + [MemberKind.CONTRARIAN, MemberKind.AUDITOR]
    assert [m.advisor.name for m in members][-2:] == [CONTRARIAN.name, AUDITOR.name]
    assert choice.method == "catalogue" and "6 of" in choice.note
    with pytest.raises(PanelError):
        choose_panel(library, VACCINE_QUESTION, size=0)


def test_an_engine_proposal_takes_precedence_over_the_catalogue(topic_libraries) -> None:
    proposed = [
        PanelMember(advisor=Advisor(name="Vera Lopez", role="Vaccine logistics", lens="cold chain"))
    ]
    members, choice = fit_panel(topic_libraries["both"], VACCINE_QUESTION, proposed)
    assert [m.advisor.name for m in members] == ["Vera Lopez", CONTRARIAN.name, AUDITOR.name]
    assert choice.method == "llm" and not choice.scores


@pytest.fixture(scope="module")
def small_panel_library(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """A small real library on vaccination."""
    root = tmp_path_factory.mktemp("small-panel")
    library = open_library(root / "library", embedder)
    library.add(_write(root / "docs", VACCINATION))
    yield library
    library.close()


def test_a_debate_records_how_its_panel_was_chosen(small_panel_library, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    debate = start_debate(
        small_panel_library, VACCINE_QUESTION, out, ExtractiveEngine(), 1, None, None, 4, 3
    )
    domain = [m for m in debate.panel if m.kind == MemberKind.DOMAIN]
    assert len(domain) == 3  # panel_size
    assert [m.kind for m in debate.panel][-2:] == [MemberKind.CONTRARIAN, MemberKind.AUDITOR]
    assert debate.panel_choice is not None and debate.panel_choice.method == "catalogue"
    seated = [s.name for s in debate.panel_choice.scores if s.seated]
    assert seated == [m.advisor.name for m in domain]
    assert set(debate.briefs) == {m.advisor.name for m in debate.panel}
    saved = json.loads((out / "panel.json").read_text())
    assert saved["panel_choice"]["method"] == "catalogue"
    assert [s["name"] for s in saved["panel_choice"]["scores"] if s["seated"]] == seated
    assert Debate.model_validate_json((out / "debate.json").read_text()) == debate


def test_a_panel_file_still_overrides_the_catalogue(small_panel_library, tmp_path: Path) -> None:
    panel_file = tmp_path / "panel.yaml"
    panel_file.write_text(
        "advisors:\n  - name: Dana Sales\n    role: Head of revenue operations\n"
        "    lens: go-to-market teams, sales pipeline, CRM data quality\n"
    )
    out = tmp_path / "run"
    out.mkdir()
    debate = start_debate(
        small_panel_library, VACCINE_QUESTION, out, ExtractiveEngine(), 1, panel_file, None, 4
    )
    assert [m.advisor.name for m in debate.panel] == ["Dana Sales", CONTRARIAN.name, AUDITOR.name]
    assert debate.panel_choice is not None and debate.panel_choice.method == "file"
    assert json.loads((out / "panel.json").read_text())["panel_choice"]["method"] == "file"
