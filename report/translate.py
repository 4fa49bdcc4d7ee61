"""Translating the report's prose with a language model, citations intact.

Headings, labels and templates come from the catalog; only plain prose strings (engine
prose, the debate's turns and summaries) pass through here. Before a string is sent,
every citation marker (``[@chunk_id]`` or ``[n]``) is swapped for a numbered placeholder
``⟦0⟧``; a translation that loses, adds or repeats a placeholder is refused, and the
original text is kept (and logged) after the retry bound. Translations are cached in the
run folder (``translations.<lang>.json``), so re-rendering does not call the model again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from llm import LLMOutputError, Model
from report.layout import Layout, Translate
from report.types import Report

log = logging.getLogger(__name__)

MARKER = re.compile(r"\[@[^\]\s]+\]|\[\d+\]")
PLACEHOLDER = re.compile(r"⟦(\d+)⟧")
BATCH = 12
NAMES = {"zh": "Simplified Chinese", "en": "English"}


class TranslationReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    translations: list[str] = Field(description="One translation per input, in order.")


def protect(text: str) -> tuple[str, list[str]]:
    """`text` with its citation markers replaced by ⟦i⟧, and the markers in order."""
    markers: list[str] = []

    def swap(match: re.Match[str]) -> str:
        markers.append(match.group(0))
        return f"⟦{len(markers) - 1}⟧"

    return MARKER.sub(swap, text), markers


def restore(text: str, markers: list[str]) -> str | None:
    """The translation with its markers back, or None if placeholders were lost, invented
    or repeated (then the original is kept: a citation must never change)."""
    found = [int(n) for n in PLACEHOLDER.findall(text)]
    if sorted(found) != list(range(len(markers))):
        return None
    return PLACEHOLDER.sub(lambda m: markers[int(m.group(1))], text)


class Translator:
    """A `Translate` callable backed by a language model."""

    def __init__(self, model: Model, lang: str, cache: Path | None = None):
        self.model = model
        self.lang = lang
        self.path = Path(cache) / f"translations.{lang}.json" if cache is not None else None
        self.done: dict[str, str] = {}
        if self.path is not None and self.path.exists():
            self.done = json.loads(self.path.read_text(encoding="utf-8"))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]

    def __call__(self, text: str) -> str:
        if not text.strip():
            return text
        if self.key(text) not in self.done:
            self.translate_all([text])
        return self.done.get(self.key(text), text)

    def warm(self, report: Report) -> None:
        """Translate every prose string of the report in batches, before rendering."""
        wanted: list[str] = []

        def collect(text: str) -> str:
            if text.strip() and self.key(text) not in self.done:
                wanted.append(text)
            return text

        Layout(report, self.lang, collect).blocks()
        self.translate_all(list(dict.fromkeys(wanted)))

    def translate_all(self, texts: list[str]) -> None:
        for start in range(0, len(texts), BATCH):
            self._batch(texts[start : start + BATCH])
        self._save()

    def _batch(self, texts: list[str]) -> None:
        protected = [protect(text) for text in texts]
        items = "\n".join(
            f"{i}. {json.dumps(body, ensure_ascii=False)}" for i, (body, _) in enumerate(protected)
        )
        prompt = (
            f"Translate each numbered text into {NAMES.get(self.lang, self.lang)}. Keep every "
            "placeholder like ⟦0⟧ exactly as it is, once, where it belongs in the sentence. "
            "Keep text inside quotation marks unchanged: it quotes a source. Keep names as "
            f"they are. Return exactly {len(texts)} translations, in order.\n\n{items}"
        )
        system = "You are a careful translator. Reply with ONE JSON object and nothing else."
        try:
            reply = self.model.ask(system, prompt, TranslationReply, f"translate {self.lang}")
        except LLMOutputError as exc:
            log.warning("translation failed, prose kept in its original language: %s", exc)
            return
        if len(reply.translations) != len(texts):
            log.warning(
                "translation returned %d of %d texts: kept originals",
                len(reply.translations),
                len(texts),
            )
            return
        for text, (_, markers), translated in zip(
            texts, protected, reply.translations, strict=True
        ):
            restored = restore(translated, markers)
            if restored is None:
                log.warning("translation changed citation markers: kept the original")
                continue
            self.done[self.key(text)] = restored

    def _save(self) -> None:
        if self.path is not None:
            self.path.write_text(
                json.dumps(self.done, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )


def kept_translations(run_dir: Path, lang: str) -> Translate | None:
    """The translations a run folder keeps (``translations.<lang>.json``, written when a
    model translated its report) as a `Translate` that never calls a model: prose without
    a kept translation stays as it is. None when the folder keeps none."""
    try:
        done = json.loads((Path(run_dir) / f"translations.{lang}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(done, dict) or not done:
        return None

    def translate(text: str) -> str:
        return str(done.get(Translator.key(text), text)) if text.strip() else text

    return translate
