"""Everyone's queue, a page at a time: `]` the next page, `[` the one before, by keyboard."""

from __future__ import annotations

from tests.keyboard.conftest import Cockpit


def queue_rows(c: Cockpit) -> list[str]:
    """The queue panel's visible rows (the left column, under its title)."""
    lines = c.screen().splitlines()
    top = next(i for i, line in enumerate(lines) if "1 Queue |" in line)
    return [line[:60] for line in lines[top + 2 : top + 8]]


def test_everyone_comes_a_page_at_a_time(cockpit: Cockpit) -> None:
    c = cockpit
    c.key("e")
    c.wait("everyone p1 ]")  # "]": a next page follows
    first = queue_rows(c)
    c.key("j", "j")  # the cursor moves on the page; a new page starts at its top
    c.key("]")
    c.wait("everyone p2")
    second = queue_rows(c)
    assert second != first
    c.key("[")
    c.wait("everyone p1 ]")
    assert queue_rows(c) == first
    c.key("[")
    c.wait("first page of everyone's queue")
    # Each page is an audited view naming where it starts.
    pages = [r for r in c.audit("queue.view") if '"after"' in r.detail]
    assert len(pages) == 1
    assert c.keystrokes == 6
