"""Over a slow SSH link every byte the cockpit writes is waited for: a patient switch repaints
only what changed (two queue rows and the chart, once), and a held key only the queue rows."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from tests.keyboard.conftest import Cockpit, start
from tests.tui.pty_terminal import SYNC_END, SYNC_START

SWITCH_BUDGET = 2048  # bytes for a move that opens another patient (80x24)
HELD_BUDGET = 1024  # bytes per move while a key is held
FORM_BUDGET = 15_000  # opening a form: two full 80x24 screens at most (one is about 7 KB)
DOWN, UP = b"\x1b[B", b"\x1b[A"


def sweep(i: int) -> bytes:
    """Five rows down, five up: inside the queue's eight visible rows, so it never scrolls
    (a scroll repaints every row, whatever the app does)."""
    return DOWN if (i // 5) % 2 == 0 else UP


def settled_bytes(c: Cockpit, quiet: float = 0.4) -> int:
    """Read until the program has written nothing for `quiet` seconds; the bytes read."""
    before = c.term.bytes_read
    while c.term.read(quiet):
        pass
    return c.term.bytes_read - before


def chart_banner(c: Cockpit) -> str:
    lines = c.term.text().splitlines()
    top = next(i for i, line in enumerate(lines) if "2 Chart" in line)
    return lines[top + 1]


def test_a_patient_switch_sends_under_two_kilobytes(cockpit: Cockpit) -> None:
    c = cockpit
    settled_bytes(c)
    switches: list[int] = []
    for i in range(20):
        banner = chart_banner(c)
        os.write(c.term.fd, sweep(i))
        sent = settled_bytes(c)
        if chart_banner(c) != banner:  # another patient: the move and the chart's load
            switches.append(sent)
    assert len(switches) >= 4, "the first rows should hold several patients"
    assert max(switches) <= SWITCH_BUDGET, switches


def test_a_held_key_sends_under_one_kilobyte_a_move(cockpit: Cockpit) -> None:
    c = cockpit
    settled_bytes(c)
    moves = 20
    before = c.term.bytes_read
    for i in range(moves):  # key repeat: faster than the chart's debounce
        os.write(c.term.fd, sweep(i))
        time.sleep(0.03)
        c.term.read(0.0)
    settled_bytes(c)
    per_move = (c.term.bytes_read - before) / moves
    assert per_move <= HELD_BUDGET, per_move


def test_opening_a_form_sends_the_screen_once_not_once_per_layout_pass(cockpit: Cockpit) -> None:
    c = cockpit
    settled_bytes(c)
    os.write(c.term.fd, b"n")
    sent = settled_bytes(c)
    assert "Add a note" in c.term.text()
    assert sent <= FORM_BUDGET, sent
    os.write(c.term.fd, b"\x1b")
    settled_bytes(c)
    assert "Add a note" not in c.term.text()


CURSOR_BG = "0087d7"  # the queue cursor's background (default theme, 256 colours)


def cursor_row_tail(c: Cockpit) -> str | None:
    """The MRN tail ("..0401") on the queue row under the cursor."""
    screen = c.term.screen
    for y in range(screen.lines):
        if screen.buffer[y][8].bg == CURSOR_BG:
            found = re.search(r"\.\.(\w{4})\b", screen.display[y])
            return found.group(1) if found else None
    return None


def banner_mrn(c: Cockpit) -> str:
    found = re.search(r"\bMRN\w+", chart_banner(c))
    assert found, chart_banner(c)
    return found.group(0)


def test_a_patient_switch_paints_the_row_and_its_chart_together(
    seeded: tuple[str, Store, Actor], tmp_path: Path
) -> None:
    """Painted apart, the cursor sits on one patient beside the last patient's chart for a
    frame or more. With synchronized output each paint is bracketed, so the screen can be
    read after each one: every paint of a switch shows the row's own patient."""
    url, store, actor = seeded
    # A budget no load here comes near: the test counts paints, not milliseconds.
    term = start(
        url, actor.username, tmp_path, settings={"PCC_SWITCH_PAINT_MS": "2000"}, sync_output=True
    )
    try:
        c = Cockpit(term, store, actor)
        settled_bytes(c)
        assert SYNC_START in term.raw, "pcc should have asked for synchronized output"
        switches = 0
        for i in range(12):
            banner, mark = chart_banner(c), len(term.raw)
            os.write(term.fd, sweep(i))
            settled_bytes(c)
            if chart_banner(c) == banner:
                continue
            switches += 1
            paints = bytes(term.raw[mark:]).split(SYNC_END)[:-1]
            assert len(paints) == 1, f"switch {i}: {len(paints)} paints"
            tail = cursor_row_tail(c)
            assert tail is not None and banner_mrn(c).endswith(tail), (tail, banner_mrn(c))
        assert switches >= 4, "the first rows should hold several patients"
    finally:
        term.kill()
