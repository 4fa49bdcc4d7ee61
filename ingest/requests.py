"""What a user asks to add: one `SourceRequest` per location, typed or read from a list
or a manifest."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ingest.errors import LibraryError
from ingest.locations import url_scheme


class SourceRequest(BaseModel):
    """One thing to add: a URL or a path, with optional metadata that overrides extraction."""

    model_config = ConfigDict(extra="forbid")

    location: str = Field(description="http(s) URL, file or folder path.")
    title: str | None = Field(None, description="Title to use instead of the extracted one.")
    author: str | None = Field(None, description="Author or organisation to record.")
    date: str | None = Field(None, description="Publication date (ISO 8601) to record.")
    problem: str | None = Field(
        None, description="Why there is nothing to fetch (a reference entry): recorded failed."
    )


def as_request(request: SourceRequest | str) -> SourceRequest:
    return request if isinstance(request, SourceRequest) else SourceRequest(location=request)


def read_request_list(path: Path) -> list[SourceRequest]:
    """Requests from a file: one location per line (.txt), or a manifest (.json/.yaml)
    with ``sources: [{location, title?, author?, date?}]``, relative paths resolved
    against the manifest's folder; or a reference export (.bib, .ris, CSL-JSON)."""
    from ingest.references import read_references

    if (references := read_references(path)) is not None:
        return references
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LibraryError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.suffix.lower() in (".json", ".yaml", ".yml"):
        requests = _read_manifest(path, raw)
    else:
        lines = (line.strip() for line in raw.splitlines())
        requests = [SourceRequest(location=line) for line in lines if line and line[0] != "#"]
    base = path.resolve().parent
    for request in requests:
        # A URL (of any scheme: Library.add refuses the unsupported ones by name) is
        # never resolved as a path.
        if url_scheme(request.location) is None and not _absolute(request.location):
            request.location = str(base / request.location)
    return requests


def _read_manifest(path: Path, raw: str) -> list[SourceRequest]:
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise LibraryError(f"{path} is not a valid manifest: {exc}") from exc
    entries = data.get("sources") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise LibraryError(f"{path}: expected a list of sources under 'sources'")
    requests = []
    for entry in entries:
        if isinstance(entry, str):
            entry = {"location": entry}
        if not isinstance(entry, dict) or "location" not in entry:
            raise LibraryError(f"{path}: every source needs a 'location' ({entry!r})")
        fields = {k: entry.get(k) for k in ("location", "title", "author", "date")}
        fields = {k: str(v) for k, v in fields.items() if v is not None}
        requests.append(SourceRequest(**fields))
    return requests


def _absolute(location: str) -> bool:
    return Path(location).expanduser().is_absolute()
