"""A screen pushed or popped goes out to the terminal as one paint.

A new screen lays itself out in several passes while its widgets mount (compose, resume,
focus, each widget learning its size), and Textual paints the whole terminal after every
pass: opening the note form sent four full screens (30 KB, four seconds at 64 kbit/s) and
closing it two. Here paints wait until the push or pop is done and a moment more for the
passes it set off; keys typed meanwhile are handled as ever, only the terminal waits.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from textual.app import App
from textual.await_complete import AwaitComplete
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
