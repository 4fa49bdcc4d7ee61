"""Discovering and reading local files, on a real file system."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.fetch import FetchError
from ingest.local import discover_files, read_local


def write(path: Path, content: bytes = b"Some words.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_walks_nested_folders_in_sorted_order_keeping_supported_files(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    expected = [
        write(root / "a.md"),
        write(root / "b" / "c.html"),
        write(root / "b" / "d" / "e.PDF"),
        write(root / "b" / "f.htm"),
        write(root / "g.txt"),
        write(root / "h.markdown"),
    ]
    write(root / "photo.png", b"\x89PNG\r\n\x1a\n")
    write(root / "report.docx")
    write(root / ".hidden.md")
    write(root / ".git" / "notes.txt")
    write(root / "b" / ".cache" / "page.html")

    files, failures = discover_files(root)

    assert files == expected
    assert failures == []  # unsupported and hidden files are skipped, not failures


def test_a_file_path_is_returned_as_is(tmp_path: Path) -> None:
    file = write(tmp_path / ".hidden-but-asked-for.txt")

    assert discover_files(file) == ([file], [])


def test_missing_path_and_unsupported_single_file_are_failures(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    image = write(tmp_path / "photo.png")

    assert discover_files(missing) == ([], [(missing, "file not found")])
    files, failures = discover_files(image)
    assert files == []
    assert failures[0][0] == image
    assert failures[0][1].startswith("unsupported file type .png (supported: .htm, .html")


def test_symlink_loop_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    note = write(root / "sub" / "note.md")
    (root / "sub" / "back-to-root").symlink_to(root, target_is_directory=True)
    (root / "linked-note.md").symlink_to(note)  # links to files are followed

    files, failures = discover_files(root)

    assert files == [root / "linked-note.md", note]
    assert failures == []


def test_broken_and_looping_file_links_are_failures(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    write(root / "ok.txt")
    (root / "gone.md").symlink_to(root / "deleted.md")
    (root / "loop-a.txt").symlink_to(root / "loop-b.txt")
    (root / "loop-b.txt").symlink_to(root / "loop-a.txt")
    (root / "gone.png").symlink_to(root / "deleted.png")  # unsupported anyway: skipped

    files, failures = discover_files(root)

    assert files == [root / "ok.txt"]
    assert failures == [
        (root / "gone.md", "broken symbolic link"),
        (root / "loop-a.txt", "symbolic link loop"),
        (root / "loop-b.txt", "symbolic link loop"),
    ]


def test_named_pipe_is_a_failure_not_a_hang(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    write(root / "ok.txt")
    os.mkfifo(root / "pipe.txt")

    files, failures = discover_files(root)

    assert files == [root / "ok.txt"]
    assert failures == [(root / "pipe.txt", "not a regular file (a named pipe)")]
    with pytest.raises(FetchError, match=r"^not a regular file \(a named pipe\)$"):
        read_local(root / "pipe.txt", 1024)


PERMISSION_PROBE = """
import json, sys
from pathlib import Path
from ingest.fetch import FetchError
from ingest.local import discover_files, read_local
root = Path(sys.argv[1])
files, failures = discover_files(root)
try:
    read_local(root / "locked.txt", 1024)
    read_error = None
except FetchError as error:
    read_error = error.reason
print(json.dumps({
    "files": [str(p) for p in files],
    "failures": [[str(p), why] for p, why in failures],
    "read_error": read_error,
}))
"""


def test_unreadable_file_and_folder_are_failures(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    write(root / "ok.txt")
    write(root / "locked.txt").chmod(0)
    write(root / "private" / "inside.md")
    (root / "private").chmod(0)
    try:
        command = [sys.executable, "-c", PERMISSION_PROBE, str(root)]
        if os.geteuid() == 0:
            # Root reads chmod-000 files anyway. Drop the capabilities that let it, so
            # the permission check runs for real; skip where that is not allowed.
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root and setpriv is missing: chmod 000 cannot bite")
            command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
        run = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[1],
        )
        if run.returncode != 0 and os.geteuid() == 0 and "setpriv" in run.stderr:
            pytest.skip(f"running as root and cannot drop capabilities: {run.stderr.strip()}")
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
    finally:
        (root / "private").chmod(0o755)
        (root / "locked.txt").chmod(0o644)

    assert result["files"] == [str(root / "ok.txt")]
    assert result["failures"] == [
        [str(root / "locked.txt"), "permission denied"],
        [str(root / "private"), "permission denied"],
    ]
    assert result["read_error"] == "permission denied"


# -------------------------------------------------------------------------- read_local
def test_reads_a_file(tmp_path: Path) -> None:
    file = write(tmp_path / "a.md", b"# Title\n\nBody.")

    assert read_local(file, 1024) == b"# Title\n\nBody."


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing.txt", "file not found"),
        ("folder.md", "is a folder, not a file"),
        (
            "report.docx",
            "unsupported file type .docx (supported: .htm, .html, .markdown, .md, .pdf, .txt)",
        ),
        ("big.txt", "3 KB, larger than the 2 KB size limit (raise AGORA_MAX_DOWNLOAD_BYTES)"),
    ],
)
def test_read_local_failures(tmp_path: Path, name: str, reason: str) -> None:
    (tmp_path / "folder.md").mkdir()
    write(tmp_path / "report.docx")
    write(tmp_path / "big.txt", b"x" * 3 * 1024)

    with pytest.raises(FetchError) as caught:
        read_local(tmp_path / name, 2 * 1024)

    assert caught.value.reason == reason
