"""The pieces that keep repaints small: joined style runs and the chart's in-line scroll mark."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from pcc_tui.tui.strips import merge_runs
from pcc_tui.tui.text_pane import thumb_rows


def test_cells_that_look_alike_go_out_as_one_run() -> None:
    plain = Style(color="white", bgcolor="blue")
    bold = Style(bold=True, color="white", bgcolor="blue")
    strip = Strip(
        [
            Segment("ab", plain + Style(meta={"row": 1, "column": 0})),
            Segment("cd", plain + Style(meta={"row": 1, "column": 1})),
            Segment("ef", bold),
            Segment("gh", plain),
        ]
    )
    merged = merge_runs(strip)
    assert [s.text for s in merged] == ["abcd", "ef", "gh"]
    assert merged.cell_length == strip.cell_length
    assert merged._segments[0].style is not None
    assert merged._segments[0].style.meta == {"row": 1, "column": 0}  # the run's first target


def test_a_line_with_nothing_to_join_is_returned_as_is() -> None:
    strip = Strip([Segment("a", Style(bold=True)), Segment("b", Style(italic=True))])
    assert merge_runs(strip) is strip


def test_the_scroll_mark_shows_only_when_the_text_overflows_and_follows_the_offset() -> None:
    assert list(thumb_rows(0, 10, 10)) == []
    top, end, middle = thumb_rows(0, 10, 40), thumb_rows(30, 10, 40), thumb_rows(15, 10, 40)
    assert top[0] == 0 and end[-1] == 9 and len(top) == len(end) in (2, 3)  # a quarter
    assert top[-1] < middle[0] and middle[-1] < end[0]
    assert len(thumb_rows(0, 10, 1000)) == 1  # never thinner than a row
