"""Find and read local source files.

:func:`discover_files` turns a path the user gave into the list of files to ingest,
plus the entries that could not be read, each with a reason. It walks folders in a
sorted, deterministic order, skips hidden entries and files of unsupported types, and
never follows a symbolic link to a folder (a link back to a parent would loop forever);
links to files are followed. The user's own path is always honoured, even if hidden or
a symbolic link.

:func:`read_local` reads one file with a size cap and raises
:class:`~ingest.fetch.FetchError`, the same error as a failed download, so the ingest
stage handles web and local sources alike. What the bytes are is decided afterwards by
:func:`~ingest.sniff.sniff_kind`, not by the extension.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ingest.errors import FetchError
from ingest.fetch import human_size

SUPPORTED_EXTENSIONS = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf"})

_SUPPORTED_LIST = ", ".join(sorted(SUPPORTED_EXTENSIONS))


def discover_files(path: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The supported files under ``path`` and the entries that could not be read.

    For a file, returns it (or a failure if its type is unsupported). For a folder,
    walks it recursively; unsupported and hidden files are skipped silently, while
    unreadable entries (permission denied, broken links, pipes and devices) come back
    as ``(path, reason)`` failures.
    """
    files: list[Path] = []
    failures: list[tuple[Path, str]] = []
    try:
        info = path.stat()  # the user's own path: follow it even if it is a link
    except OSError as exc:
        failures.append((path, _os_reason(path, exc)))
        return files, failures
    if stat.S_ISDIR(info.st_mode):
        _walk(path, files, failures)
    elif not stat.S_ISREG(info.st_mode):
        failures.append((path, _not_regular(info.st_mode)))
    elif path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        failures.append((path, _unsupported(path)))
    elif not os.access(path, os.R_OK):
        failures.append((path, "permission denied"))
    else:
        files.append(path)
    return files, failures


def _walk(folder: Path, files: list[Path], failures: list[tuple[Path, str]]) -> None:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        failures.append((folder, _os_reason(folder, exc)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        entry_path = Path(entry.path)
        supported = entry_path.suffix.lower() in SUPPORTED_EXTENSIONS
        try:
            if entry.is_symlink():
                try:
                    target = entry.stat()  # follows the link
                except OSError as exc:
                    # A dangling link without a supported extension could have pointed
                    # anywhere; one named like a document clearly meant to be read.
                    if supported or not entry_path.suffix:
                        failures.append((entry_path, _os_reason(entry_path, exc)))
                    continue
                if stat.S_ISDIR(target.st_mode):
                    continue  # never followed: a link to a parent folder would loop
                mode = target.st_mode
            elif entry.is_dir(follow_symlinks=False):
                _walk(entry_path, files, failures)
                continue
            else:
                mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            failures.append((entry_path, _os_reason(entry_path, exc)))
            continue
        if not supported:
            continue
        if not stat.S_ISREG(mode):
            # Reading a named pipe would block forever; devices are not documents.
            failures.append((entry_path, _not_regular(mode)))
        elif not os.access(entry_path, os.R_OK):
            failures.append((entry_path, "permission denied"))
        else:
            files.append(entry_path)


def read_local(path: Path, max_bytes: int) -> bytes:
    """The bytes of one supported file, at most ``max_bytes`` of them.

    Raises :class:`~ingest.fetch.FetchError` with reasons such as "file not found",
    "permission denied", "is a folder, not a file", "unsupported file type .docx ...",
    or "3 MB, larger than the 1 MB size limit ...".
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise FetchError(_os_reason(path, exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise FetchError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FetchError(_not_regular(info.st_mode))
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise FetchError(_unsupported(path))
    if info.st_size > max_bytes:
        raise FetchError(_too_large(info.st_size, max_bytes))
    try:
        with path.open("rb") as handle:
            # One byte past the cap catches a file that grew since stat().
            content = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FetchError(_os_reason(path, exc)) from exc
    if len(content) > max_bytes:
        raise FetchError(_too_large(len(content), max_bytes))
    return content


def _too_large(size: int, limit: int) -> str:
    return (
        f"{human_size(size)}, larger than the {human_size(limit)} size limit "
        "(raise AGORA_MAX_DOWNLOAD_BYTES)"
    )


def _unsupported(path: Path) -> str:
    suffix = path.suffix.lower() or "(no extension)"
    return f"unsupported file type {suffix} (supported: {_SUPPORTED_LIST})"


def _not_regular(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        what = "a named pipe"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    else:
        what = "a special file"
    return f"not a regular file ({what})"


def _os_reason(path: Path, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "broken symbolic link" if path.is_symlink() else "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    detail = (exc.strerror or str(exc)).lower()
    return f"could not read it ({detail})"
