"""HL7 v2 files for `pcc import hl7`: a file holds one message or many (batches too), with any
segment separator; a folder is read for every file in it, in name order. Read as a stream:
an interface engine's backlog of a hundred thousand messages never sits in memory whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pcc_tui.core.interop.hl7_message import decode

CHUNK = 1 << 20
_SPLIT = re.compile(rb"[\r\n]+")
_ENVELOPE = (b"FHS", b"BHS", b"BTS", b"FTS")
SKIP_SUFFIXES = {".md", ".json", ".ndjson", ".gz", ".zip"}


def expand(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The files to read, and what could not be found (named, not fatal)."""
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() not in SKIP_SUFFIXES
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    return files, missing


def read_messages(path: Path) -> Iterator[str]:
    """Each message of the file, its segments joined by CR (MLLP's VT/FS framing dropped)."""
    current: list[bytes] = []
    tail = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            data = tail + chunk
            if not chunk:
                lines, tail = _SPLIT.split(data), b""
            else:
                lines = _SPLIT.split(data)
                tail = lines.pop()  # the last line may continue in the next chunk
            for line in lines:
                line = line.strip(b"\x0b\x1c\x00\t ")
                if not line or line[:3] in _ENVELOPE:
                    continue
                if line.startswith(b"MSH") and current:
                    yield decode(b"\r".join(current))
                    current = []
                current.append(line)
            if not chunk:
                break
    if current:
        yield decode(b"\r".join(current))
