"""The pipeline: the one place Agora's stages are stitched together.

    question ─► debate   panel, briefs, rounds          panel.json, briefs.json, debate.json
             ─► report   sections, numbered citations   report.json
             ─► render   Markdown + HTML, en + zh       report[.zh].md, report[.zh].html
             ─► audit    claim -> passage verdicts      audit.json (and the HTML again)

Each stage reads its input from the run folder and writes its output there, so a run
resumes at the first stage whose output is missing or older than its input: `run` skips a
finished debate, rebuilds report.json only when debate.json is newer, and audits only a
report it has not audited. `agora debate`, `agora report`, `agora audit`, the web app's jobs
and `make demo` all go through a `Pipeline`; no other module calls one stage after another.

A `Pipeline` holds what the stages share, built once per command by the caller: the library
(retrieval, and source metadata for the report), the language model (None: the extractive
engine; one load serves the debate, the report's model sections and the translation) and the
citation judge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from audit.auditor import Auditor
from audit.judge import CitationJudge, Judge
from audit.types import Audit
from debate.engine import make_engine
from debate.run import DebateError, run_debate
from debate.types import Debate
from ingest.library import Library
from llm import LLMConnectionError, LLMOutputError, Model
from report.claims import audit_inputs
from report.export_files import EXPORTS, Export, export_report
from report.files import (
    AUDIT,
    REPORT,
    ReportError,
    load_audit,
    load_report,
    report_for_run,
    write_renderings,
    write_text,
)
from report.layout import Translate
from report.render import Format, render
from report.translate import Translator, kept_translations
from report.types import Report

Progress = Callable[[str], None]
LANGUAGES = ("en", "zh")
DEBATE = "debate.json"


@dataclass
class RunResult:
    """What `Pipeline.run` did, for the caller to print."""

    debate: Debate
    report: Report
    written: list[Path] = field(default_factory=list)
    audit: Audit | None = None


@dataclass
class Pipeline:
    """Agora's stages over one run folder (see the module docstring)."""

    library: Library | None
    model: Model | None = None
    judge: CitationJudge | None = None
    # Instead of `model`: how to load it, on first need (`agora report` needs a model only
    # to build report.json or to translate, and then loads it once).
    load_model: Callable[[], Model | None] | None = None
    languages: tuple[str, ...] = LANGUAGES
    progress: Progress = field(default=lambda message: None)

    # -- the whole run -----------------------------------------------------------------

    def run(
        self,
        question: str,
        run_dir: Path,
        *,
        rounds: int | None = None,
        panel_file: Path | None = None,
        resume: bool = False,
        audit: bool = False,
    ) -> RunResult:
        """Question to report (and audit, with `audit`), resuming what the folder holds."""
        run_dir = Path(run_dir)
        debate = self.debate(question, run_dir, rounds=rounds, panel_file=panel_file, resume=resume)
        try:
            report = self.report(run_dir, rebuild=_stale(run_dir / REPORT, run_dir / DEBATE))
            written = self.render(run_dir, report)
        except (ReportError, LLMOutputError, LLMConnectionError) as exc:
            raise ReportError(f"the debate is saved, but the report failed: {exc}") from exc
        result = RunResult(debate=debate, report=report, written=written)
        if audit and _stale(run_dir / AUDIT, run_dir / REPORT):
            result.audit = self.audit(run_dir)
        return result

    # -- one function per stage --------------------------------------------------------

    def debate(
        self,
        question: str,
        run_dir: Path,
        *,
        rounds: int | None = None,
        panel_file: Path | None = None,
        resume: bool = False,
    ) -> Debate:
        """Panel, briefs and rounds into the run folder (continued with `resume`)."""
        if self.library is None:
            raise DebateError("a debate needs a library to retrieve its evidence from")
        return run_debate(
            self.library,
            question,
            run_dir,
            rounds=rounds,
            engine=make_engine(self.language_model(), judge=self.citation_judge()),
            panel_file=panel_file,
            resume=resume,
            progress=self.progress,
        )

    def report(self, run_dir: Path, *, rebuild: bool = False) -> Report:
        """report.json: the saved one, or built from debate.json (with the model's sections
        when there is a model)."""
        if not rebuild and (saved := load_report(run_dir)) is not None:
            return saved
        return report_for_run(run_dir, self.library, self.language_model(), rebuild=True)

    def render(self, run_dir: Path, report: Report | None = None) -> list[Path]:
        """report.json, then Markdown and HTML in every language; with a model, the prose
        of the other languages is translated (and kept in the folder for later renderings)."""
        report = report or self.report(run_dir)
        translators: dict[str, Translate] = {}
        model = self.language_model() if set(self.languages) - {report.language} else None
        if model is not None:
            for lang in self.languages:
                if lang != report.language:
                    translator = Translator(model, lang, cache=run_dir)
                    translator.warm(report)
                    translators[lang] = translator
        self.progress(f"writing the report in {', '.join(self.languages)}")
        return write_renderings(run_dir, report, self.languages, translators)

    def render_one(self, run_dir: Path, fmt: Format | Export, lang: str) -> str | bytes:
        """One rendering of the run's report, as of now: the latest audit marks, the prose
        in `lang` translated by the model (else as the folder keeps it). Text for md, html
        and json; bytes for the pdf and docx exports."""
        report = self.report(run_dir)
        translate: Translate | None = None
        if lang != report.language:
            if (model := self.language_model()) is not None:
                translator = Translator(model, lang, cache=run_dir)
                translator.warm(report)
                translate = translator
            else:
                translate = kept_translations(run_dir, lang)
        audit = load_audit(run_dir)
        if fmt in EXPORTS:
            return export_report(report, cast(Export, fmt), lang, audit=audit, translate=translate)
        return render(report, cast(Format, fmt), lang, audit=audit, translate=translate)

    def language_model(self) -> Model | None:
        """The model, loaded now if it was given as a loader (once)."""
        if self.model is None and self.load_model is not None:
            self.model, self.load_model = self.load_model(), None
        return self.model

    def citation_judge(self) -> CitationJudge:
        """The judge the debate's Auditor and the audit share: the one given, else the
        audit's built-in judge (loaded once, on first need)."""
        if self.judge is None:
            self.judge = Judge()
        return self.judge

    def audit(self, run_dir: Path) -> Audit:
        """audit.json for the run's report, then the renderings again so the HTML marks
        each claim with its verdict."""
        report = load_report(run_dir)
        if report is None:
            raise ReportError(
                f"{run_dir} holds no report.json: run `agora debate` (or `agora report`) first"
            )
        auditor = Auditor(self.citation_judge())
        self.progress("auditing every claim against its cited passages")
        claims, totals = auditor.audit(audit_inputs(report))
        audit = Audit(target=str(run_dir), judge=auditor.judge.name, claims=claims, totals=totals)
        write_text(Path(run_dir) / AUDIT, audit.model_dump_json(indent=2) + "\n")
        write_renderings(run_dir, report, self.languages)
        return audit


def _stale(output: Path, source: Path) -> bool:
    """Whether a stage's output is missing or older than the input it was made from."""
    if not output.exists():
        return True
    return source.exists() and source.stat().st_mtime_ns > output.stat().st_mtime_ns
