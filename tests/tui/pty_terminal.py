"""Run a real program in a pseudo-terminal of a given size and read its screen with pyte,
as a coordinator's SSH session would show it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Sequence

import pyte

KEYS = {
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "shift+tab": "\x1b[Z",
    "f2": "\x1bOQ",
    "f12": "\x1b[24~",
    "down": "\x1b[B",
    "up": "\x1b[A",
    "space": " ",
    "ctrl+p": "\x10",
    "colon": ":",
    "slash": "/",
    "question_mark": "?",
    "exclamation_mark": "!",
    "plus": "+",
    "ctrl+u": "\x15",
}


SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"  # one paint, for terminals that know it
_SYNC_QUERY, _SYNC_YES = b"\x1b[?2026$p", b"\x1b[?2026;2$y"


class Terminal:
    def __init__(
        self,
        argv: Sequence[str],
        cols: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
        *,
        sync_output: bool = False,
    ) -> None:
        """`sync_output`: answer the program's query as a terminal with synchronized output
        (kitty, WezTerm, Windows Terminal) does, so it brackets each paint: paints can be
        counted and the screen checked between them."""
        self.sync_output = sync_output
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes_read = 0
        self.raw = bytearray()  # everything the program wrote, escape sequences included
        pid, fd = pty.fork()
        if pid == 0:  # child: size the terminal before the program looks at it
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], list(argv), env or dict(os.environ))
        self.pid, self.fd = pid, fd
        self.status: int | None = None

    def read(self, timeout: float = 0.05) -> int:
        got = 0
        while True:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return got
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return got
            if not data:
                return got
            got += len(data)
            self.bytes_read += len(data)
            if self.sync_output and _SYNC_QUERY in self.raw[-16:] + data:
                os.write(self.fd, _SYNC_YES)
            self.raw += data
            self.stream.feed(data)
            timeout = 0.02

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 30.0) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            self.read()
            if needle in self.text():
                return time.monotonic() - start
        raise TimeoutError(f"{needle!r} never appeared; screen:\n{self.text()}")

    def press(self, *keys: str) -> None:
        for key in keys:
            os.write(self.fd, KEYS.get(key, key).encode())
            time.sleep(0.05)
            self.read(0.01)  # keep the program's output flowing: a full pty blocks it

    def burst(self, *keys: str) -> None:
        """Keys in one write, as they arrive over a slow SSH link."""
        os.write(self.fd, "".join(KEYS.get(k, k) for k in keys).encode())

    def wait_exit(self, timeout: float = 20.0) -> int:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            self.read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
        raise TimeoutError("program did not exit")

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        os.close(self.fd)
