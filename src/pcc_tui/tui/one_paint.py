"""A screen pushed or popped goes out to the terminal as one paint.

A new screen lays itself out in several passes while its widgets mount (compose, resume,
focus, each widget learning its size), and Textual paints the whole terminal after every
pass: opening the note form sent four full screens (30 KB, four seconds at 64 kbit/s) and
closing it two. Here paints wait until the push or pop is done and a moment more for the
passes it set off; keys typed meanwhile are handled as ever, only the terminal waits.
`PaintHold` does the same for a patient switch: the cursor move and the chart it opens.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from textual.app import App
from textual.await_complete import AwaitComplete
from textual.timer import Timer
from textual.widget import AwaitMount

SETTLE_SECONDS = 0.03  # after mounting: the layout passes it set off (one frame and a bit)


class OnePaintScreens(App[Any]):
    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        result = super().push_screen(*args, **kwargs)
        if isinstance(result, AwaitMount):  # not a wait for the screen's dismissal
            self._paint_after(result)
        return result

    def pop_screen(self) -> AwaitComplete:
        result = super().pop_screen()
        self._paint_after(result)
        return result

    def _paint_after(self, done: Awaitable[Any]) -> None:
        batch = self.batch_update()
        batch.__enter__()

        async def paint_when_done() -> None:
            try:
                await done
                self.delay_update(SETTLE_SECONDS)  # taken before ours ends: no paint between
            finally:
                batch.__exit__(None, None, None)

        self.run_worker(paint_when_done(), group="one-paint", exit_on_error=False)


class PaintHold:
    """Paints held from a cursor move until the patient it opens is on screen, or for
    `budget` seconds at most: the move and the new chart then reach the terminal in one
    paint. Shown apart, the cursor sits on one patient beside another patient's chart
    for a frame or two, a mix-up a glance can take in, and the switch costs two paints."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._batch: Any = None
        self._timer: Timer | None = None

    def hold(self, budget: float) -> None:
        if self._batch is not None:
            return
        self._batch = self._app.batch_update()
        self._batch.__enter__()
        self._timer = self._app.set_timer(budget, self.release, name="paint-hold")

    def release(self) -> None:
        """Paint now (idempotent): the chart is in, it failed, or the budget ran out."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._batch is not None:
            batch, self._batch = self._batch, None
            batch.__exit__(None, None, None)
