"""An input thread that sleeps until a key comes.

Textual's Linux driver polls the terminal every 0.1 s, only so that a lone Esc (or half an
escape sequence) times out into a key: ten wake-ups a second in every idle session, 5,000 a
second on a host of 500 coordinators. This driver's input thread waits on the terminal with
no timeout, except while the parser holds such a partial sequence, when it waits exactly
until that times out. Stopping the input (quitting, suspending) wakes it through a pipe.

The loop is Textual 8.2's own (`LinuxDriver.run_input_thread`, pinned in pyproject) with
only the wait changed; keyboard tests in a pty drive Esc, sequences and quitting through it.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from contextlib import suppress
from threading import Event
from typing import Any

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver


class _WakingEvent(Event):
    """An Event whose `set` also wakes the input thread's wait."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        with suppress(OSError):  # a full pipe is already a wake-up
            os.write(self._wake_fd, b"\0")


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.exit_event = _WakingEvent(self._wake_w)

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def wait() -> float | None:
            due = parser._timeout_time  # set while a partial sequence may still complete
            return None if due is None else max(0.0, due - get_time())

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (key, mask) in loop_last(events):
                if key.fd == self._wake_r:
                    with suppress(OSError):
                        os.read(self._wake_r, 512)
                    continue
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(self.fileno, 1024 * 4), final=final and last)
                    if not data:
                        break  # stdin piped, and at its end
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(wait()))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            with suppress(EOFError, ParseError):
                for _event in parser.feed(""):
                    pass

    def close(self) -> None:
        super().close()
        for fd in (self._wake_r, self._wake_w):
            with suppress(OSError):
                os.close(fd)


class QuietInput(App[Any]):
    """Use the quiet driver wherever Textual would use its Linux one."""

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        return QuietLinuxDriver if driver is LinuxDriver else driver
