"""Fewer bytes per painted line: a slow SSH link pays for every escape sequence.

Textual writes each segment of a line with its own full style and a reset. A table row is a
dozen segments that mostly look the same (they differ only in the click target each cell
carries), so runs that look alike are joined before the line goes out.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip


def merge_runs(strip: Strip) -> Strip:
    """`strip` with neighbouring segments that look alike joined; the first one's click
    target (mouse metadata) is kept for the run, which for a row cursor is the same row."""
    merged: list[Segment] = []
    for segment in strip:
        if merged and not segment.control and not merged[-1].control:
            last = merged[-1]
            if last.style is segment.style or (
                last.style is not None
                and segment.style is not None
                and last.style.clear_meta_and_links() == segment.style.clear_meta_and_links()
            ):
                merged[-1] = Segment(last.text + segment.text, last.style)
                continue
        merged.append(segment)
    if len(merged) == len(strip):
        return strip
    return Strip(merged, strip.cell_length)
