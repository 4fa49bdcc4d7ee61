"""Generate the PDF documents of the ai-imbalance demo corpus from their Markdown sources.

Sources live in ``corpus/ai-imbalance/pdf-src/*.md``: YAML front matter (title, author,
date, optional subject), then a small Markdown subset: ``#``/``##`` headings, paragraphs,
``-`` bullets, ``1.`` numbered items and ``**bold**`` runs. Each becomes
``corpus/ai-imbalance/docs/<stem>.pdf`` with its title, author, subject and creation date in
the PDF metadata.

The PDFs use fpdf2's core Helvetica font, which only covers latin-1, so typographic
characters are mapped to plain equivalents; any other character outside latin-1 is an
error, not a silent '?'. The creation date comes from the front matter and the producer is
fixed, so the output is byte-identical from run to run. After writing, every PDF is read
back with pypdf to check that its metadata and text are extractable.

    .venv/bin/python scripts/make_demo_pdfs.py           # (re)generate and self-check
    .venv/bin/python scripts/make_demo_pdfs.py --check   # fail if a committed PDF is stale
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from fpdf import FPDF
from pypdf import PdfReader

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus" / "ai-imbalance"
SRC_DIR = CORPUS / "pdf-src"
OUT_DIR = CORPUS / "docs"

CREATOR = "Agora scripts/make_demo_pdfs.py"
PRODUCER = "fpdf2"

# Characters the core fonts cannot encode, mapped to latin-1 stand-ins.
LATIN1_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": " - ",
    "\u2026": "...",
    "\u2022": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u2192": "->",
    "\u2264": "<=",
    "\u2265": ">=",
}

MIN_WORD_RECALL = 0.98  # share of source words that must come back out of pypdf


@dataclass(frozen=True)
class SourceDoc:
    """One Markdown source for a PDF."""

    stem: str
    title: str
    author: str
    date: dt.date
    subject: str
    body: str


def latin1_safe(text: str) -> str:
    for char, replacement in LATIN1_REPLACEMENTS.items():
        text = text.replace(char, replacement)
    bad = sorted({c for c in text if ord(c) > 0xFF})
    if bad:
        raise ValueError(f"characters outside latin-1: {bad!r}; add a replacement")
    return text


def read_source(path: Path) -> SourceDoc:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.DOTALL)
    if not match:
        raise ValueError(f"{path}: missing YAML front matter")
    meta = yaml.safe_load(match.group(1))
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: front matter is not a mapping")
    for key in ("title", "author", "date"):
        if key not in meta:
            raise ValueError(f"{path}: front matter lacks {key!r}")
    date = meta["date"]
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    if not isinstance(date, dt.date):
        raise ValueError(f"{path}: date must be YYYY-MM-DD")
    return SourceDoc(
        stem=path.stem,
        title=str(meta["title"]),
        author=str(meta["author"]),
        date=date,
        subject=str(meta.get("subject", "")),
        body=match.group(2),
    )


def blocks(body: str) -> list[tuple[str, str]]:
    """Split the Markdown body into (kind, text) blocks: h1, h2, p, bullet, numbered."""
    out: list[tuple[str, str]] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = chunk.splitlines()
        if lines[0].startswith("# "):
            out.append(("h1", lines[0][2:].strip()))
            lines = lines[1:]
        elif lines[0].startswith("## "):
            out.append(("h2", lines[0][3:].strip()))
            lines = lines[1:]
        if not lines:
            continue
        if re.match(r"(- |\d+\. )", lines[0]):
            # A list: items start with "- " or "1. ", continuation lines are indented.
            for line in lines:
                if re.match(r"(- |\d+\. )", line):
                    kind = "bullet" if line.startswith("- ") else "numbered"
                    out.append((kind, line.strip()))
                else:
                    previous_kind, previous = out[-1]
                    out[-1] = (previous_kind, previous + " " + line.strip())
        else:
            out.append(("p", " ".join(line.strip() for line in lines)))
    return out


class DemoPDF(FPDF):
    """A4 page with a running title in the header and page numbers in the footer."""

    def __init__(self, running_title: str) -> None:
        super().__init__(format="A4")
        self.running_title = running_title

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 6, self.running_title, new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render(doc: SourceDoc) -> bytes:
    title = latin1_safe(doc.title)
    short = title if len(title) <= 90 else title[:87].rstrip() + "..."
    pdf = DemoPDF(short)
    pdf.set_title(title)
    pdf.set_author(latin1_safe(doc.author))
    if doc.subject:
        pdf.set_subject(latin1_safe(doc.subject))
    pdf.set_creator(CREATOR)
    pdf.set_producer(PRODUCER)
    pdf.set_lang("en")
    pdf.set_creation_date(
        dt.datetime(doc.date.year, doc.date.month, doc.date.day, 12, tzinfo=dt.UTC)
    )
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()

    width = pdf.epw
    for kind, raw in blocks(doc.body):
        text = latin1_safe(raw)
        if kind == "h1":
            pdf.set_font("Helvetica", "B", 17)
            pdf.multi_cell(width, 8, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
            pdf.set_font("Helvetica", "", 9.5)
            pdf.set_text_color(90, 90, 90)
            byline = f"{latin1_safe(doc.author)}  |  {doc.date.isoformat()}"
            pdf.multi_cell(width, 5, byline, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            pdf.ln(4)
        elif kind == "h2":
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 12.5)
            pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        else:
            pdf.set_font("Helvetica", "", 10.5)
            markdown = "**" in text
            if kind == "p":
                pdf.multi_cell(width, 5.6, text, new_x="LMARGIN", new_y="NEXT", markdown=markdown)
                pdf.ln(2.5)
            else:
                marker, item = text.split(" ", 1)
                marker = "-" if kind == "bullet" else marker
                pdf.set_x(pdf.l_margin + 4)
                pdf.cell(6, 5.6, marker)
                pdf.multi_cell(
                    width - 10, 5.6, item, new_x="LMARGIN", new_y="NEXT", markdown=markdown
                )
                pdf.ln(1.2)
    return bytes(pdf.output())


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def self_check(doc: SourceDoc, data: bytes) -> str:
    """Read a generated PDF back with pypdf; return a one-line summary or raise."""
    reader = PdfReader(io.BytesIO(data))
    meta = reader.metadata
    if meta is None or meta.title != latin1_safe(doc.title):
        raise AssertionError(f"{doc.stem}: title metadata missing or wrong")
    if meta.author != latin1_safe(doc.author):
        raise AssertionError(f"{doc.stem}: author metadata missing or wrong")
    created = meta.creation_date
    if created is None or created.date() != doc.date:
        raise AssertionError(f"{doc.stem}: creation date {created} != {doc.date}")
    extracted = "\n".join(page.extract_text() or "" for page in reader.pages)
    source_words = words(latin1_safe(doc.body.replace("**", "")))
    available = Counter(words(extracted))
    found = 0
    for word in source_words:
        if available[word] > 0:
            available[word] -= 1
            found += 1
    recall = found / max(len(source_words), 1)
    if recall < MIN_WORD_RECALL:
        raise AssertionError(f"{doc.stem}: only {recall:.1%} of source words extractable")
    if " ".join(words(doc.title)) not in " ".join(words(extracted)):
        raise AssertionError(f"{doc.stem}: title text not extractable")
    return f"{doc.stem}.pdf: {len(reader.pages)} pages, {len(source_words)} words, {recall:.1%}"


def check_manifest(docs: list[SourceDoc]) -> list[str]:
    """Problems with manifest.json: missing files, or PDF entries that disagree with sources."""
    manifest_path = CORPUS / "manifest.json"
    if not manifest_path.exists():
        return [f"{manifest_path.relative_to(REPO)} is missing"]
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entries = {entry["location"]: entry for entry in manifest["sources"]}
    problems = [
        f"manifest lists missing file {location}"
        for location in entries
        if not (CORPUS / location).is_file()
    ]
    for doc in docs:
        entry = entries.get(f"docs/{doc.stem}.pdf")
        if entry is None:
            problems.append(f"manifest lacks docs/{doc.stem}.pdf")
            continue
        expected = {"title": doc.title, "author": doc.author, "date": doc.date.isoformat()}
        for key, value in expected.items():
            if entry.get(key) != value:
                problems.append(f"manifest {key} for {doc.stem}.pdf is {entry.get(key)!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the demo corpus PDFs.")
    parser.add_argument("--check", action="store_true", help="fail if a committed PDF is stale")
    args = parser.parse_args(argv)

    sources = sorted(SRC_DIR.glob("*.md"))
    if not sources:
        print(f"no sources in {SRC_DIR}", file=sys.stderr)
        return 1
    stale: list[str] = []
    docs = [read_source(path) for path in sources]
    for doc in docs:
        data = render(doc)
        if render(doc) != data:
            raise AssertionError(f"{doc.stem}: rendering is not deterministic")
        target = OUT_DIR / f"{doc.stem}.pdf"
        if args.check:
            if not target.exists() or target.read_bytes() != data:
                stale.append(str(target.relative_to(REPO)))
            continue
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(self_check(doc, target.read_bytes()))
    problems = check_manifest(docs)
    for problem in problems:
        print(problem, file=sys.stderr)
    if stale:
        print("stale PDFs (run scripts/make_demo_pdfs.py):\n  " + "\n  ".join(stale))
    return 1 if stale or problems else 0


if __name__ == "__main__":
    sys.exit(main())
