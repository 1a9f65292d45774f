"""What screens and widgets may ask of the App, as a Protocol: they type `self.app` with it
instead of importing the App (which imports them), so the TUI has no import cycle."""

from __future__ import annotations

from typing import Any, Protocol

from pcc_tui.core.domain.read_models import QueueScope
from pcc_tui.core.services.context import Actor, Store
from pcc_tui.tui.marks import Marks


class Host(Protocol):
    store: Store
    actor: Actor
    mask: str
    switch_paint: float  # seconds a cursor move waits for its chart (PaintHold)
    marks: Marks
    scope: QueueScope
    keymap: dict[str, str]
    rounds_checklist: list[str]
    session: Any  # SessionRules

    @property
    def is_locked(self) -> bool: ...

    @property
    def shutting_down(self) -> bool: ...

    @property
    def cockpit(self) -> Any: ...  # the CockpitScreen at the bottom of the stack

    async def run_action(self, action: str, default_namespace: Any = None) -> bool: ...
