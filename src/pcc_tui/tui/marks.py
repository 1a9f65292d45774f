"""Status marks. Every mark is a character as well as a colour, so the cockpit reads the same
in monochrome (NO_COLOR) and on a 16-colour thin client; `--ascii` swaps in plain ASCII."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marks:
    done: str
    open: str
    overdue: str
    stopped: str
    hold: str
    now: str
    marked: str
    blocked: str
    priority: dict[str, str]
    ticks: tuple[str, str] = ("[x]", "[ ]")  # done, to do: the same in ASCII and NO_COLOR


UNICODE = Marks(
    done="✓",
    open="○",
    overdue="!",
    stopped="✗",
    hold="‖",
    now="▶ now",
    marked="●",
    blocked="⧗",
    priority={"stat": "‼!", "asap": "‼", "urgent": "!", "routine": ""},
)
ASCII = Marks(
    done="x",
    open="o",
    overdue="!",
    stopped="-",
    hold="=",
    now="> now",
    marked="*",
    blocked="w",
    priority={"stat": "!!!", "asap": "!!", "urgent": "!", "routine": ""},
)


def marks_for(ascii_only: bool) -> Marks:
    return ASCII if ascii_only else UNICODE
