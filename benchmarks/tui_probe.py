"""What benchmarks/tui.py reads from an app in a pseudo-terminal: when the cursor row and
the chart have repainted after a key, the bytes that took, and the process's memory. With
`rate` set, reads are throttled to that many bytes a second, as a slow SSH link delivers
them: the program blocks on a full pty the way it blocks on a full TCP window."""

from __future__ import annotations

import os
import select
import time
from dataclasses import dataclass
from pathlib import Path

from tests.tui.pty_terminal import Terminal

QUIET = 0.05  # a paint is over when the program writes nothing for this long
CURSOR_BG = "0087d7"  # the row cursor's background in both apps (default theme, 256 colours)
CHUNK = 256  # bytes per throttled read


@dataclass
class Key:
    cursor_s: float | None  # key to the cursor row painted
    chart_s: float | None  # key to another patient's chart painted (pcc only)
    settled_s: float  # key to the last byte before the screen went quiet
    sent: int  # bytes written in that time


class Probe:
    def __init__(self, term: Terminal, rate: int | None = None) -> None:
        self.term = term
        self.rate = rate

    def _read(self, timeout: float) -> int:
        ready, _, _ = select.select([self.term.fd], [], [], timeout)
        if not ready:
            return 0
        try:
            data = os.read(self.term.fd, CHUNK if self.rate else 65536)
        except OSError:
            return 0
        self.term.stream.feed(data)
        if self.rate:
            time.sleep(len(data) / self.rate)
        return len(data)

    def quiet(self, seconds: float) -> None:
        while self._read(seconds):
            pass

    def cursor_line(self) -> int | None:
        buffer = self.term.screen.buffer
        for y in range(self.term.screen.lines):
            if buffer[y][8].bg == CURSOR_BG:
                return y
        return None

    def chart_banner(self) -> str | None:
        lines = self.term.screen.display
        for i, line in enumerate(lines[:-1]):
            if "2 Chart" in line:
                return lines[i + 1]
        return None

    def key(self, data: bytes, limit: float = 3.0, quiet: float = QUIET) -> Key:
        """Send `data`; read until the screen is quiet for `quiet` seconds (or `limit`)."""
        cursor, banner = self.cursor_line(), self.chart_banner()
        start = time.monotonic()
        os.write(self.term.fd, data)
        cursor_s = chart_s = None
        last, sent = start, 0
        while time.monotonic() - start < limit:
            n = self._read(quiet)
            if not n:
                if sent:
                    break
                continue
            now = time.monotonic()
            sent, last = sent + n, now
            if cursor_s is None and self.cursor_line() != cursor:
                cursor_s = now - start
            if chart_s is None and banner is not None and self.chart_banner() != banner:
                chart_s = now - start
        return Key(cursor_s, chart_s, last - start, sent)

    def wait_for(self, needle: str, timeout: float) -> None:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            self._read(0.05)
            if needle in "\n".join(self.term.screen.display):
                return
        raise TimeoutError(f"{needle!r} never appeared")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("Pss:")), 0)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]
