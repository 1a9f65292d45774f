"""Files pcc writes hold patient data or secrets: folders 0700, files 0600, whatever the umask.

`os.open(..., 0o600)` and `mkdir(0o700)` are still cut by the umask, so modes are set
explicitly after creation; an existing database file others can read is refused with the
`chmod` that fixes it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pcc_tui.core.errors import StoreUnavailable

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create `path` (and missing parents we create) owner-only; an existing folder we did
    not create keeps its mode (it may be a shared parent such as /tmp)."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new owner-only file (fails if it exists)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, data)
    finally:
        os.close(fd)


def make_private(path: Path) -> None:
    """Owner-only read/write for a file pcc just created (SQLite creates 0644 under umask 022)."""
    if path.exists():
        os.chmod(path, FILE_MODE)


def refuse_if_shared(path: Path) -> None:
    """A database file (or its folder) others may read or write is refused: PHI."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if mode & 0o077:
        raise StoreUnavailable(
            f"the database file {path} can be read by other users"
            f" (mode {stat.filemode(mode)}): run `chmod 600 {path}`"
        )
