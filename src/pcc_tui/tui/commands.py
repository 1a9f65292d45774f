"""Command palette (ctrl+p or `:`): go to a patient, run any action, switch theme.

The actions come from the key registry, with the key in force now."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from pcc_tui.core.errors import PccError
from pcc_tui.core.services.reads import search
from pcc_tui.tui import keys
from pcc_tui.tui.themes import THEMES

if TYPE_CHECKING:
    from pcc_tui.tui.host import Host

NOT_IN_PALETTE = {"palette", "back", "queue-mark"}


def _actions(app: Host) -> list[tuple[str, str, str, str]]:
    """(title with its key, action, scope, id) for every pcc key."""
    bound = keys.effective_keys(app.keymap)
    return [
        (f"{k.title}  ({keys.display_key(bound[k.id])})", k.action, k.scope, k.id)
        for k in keys.KEYS
        if k.id not in NOT_IN_PALETTE
    ]


class PatientCommands(Provider):
    """Find a patient by name (typos forgiven), MRN or its tail, or birth date; audited."""

    async def search(self, query: str) -> Hits:
        app: Host = self.app  # type: ignore[assignment]
        text = query.strip()
        if len(text) < 2:
            return
        try:
            hits = await asyncio.to_thread(search, app.store, app.actor, text, 15)
        except PccError:
            return
        for rank, hit in enumerate(hits):
            p = hit.patient
            label = f"{p.family_name}, {p.given_name}  {p.mrn}  {p.birth_date:%Y-%m-%d}"
            yield Hit(
                1.0 - rank / 100,
                label,
                lambda ref=p: app.cockpit.open_patient(ref.id, searched=ref),
                help=f"{hit.match.value} match" + (f" | {p.ward}" if p.ward else ""),
            )


class ActionCommands(Provider):
    async def discover(self) -> Hits:
        app: Host = self.app  # type: ignore[assignment]
        for title, action, scope, _id in _actions(app):
            yield DiscoveryHit(title, self._runner(action, scope))

    async def search(self, query: str) -> Hits:
        app: Host = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for title, action, scope, _id in _actions(app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._runner(action, scope))
        for short in THEMES:
            title = f"Theme: {short}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._theme(short))

    def _runner(self, action: str, scope: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            app: Host = self.app  # type: ignore[assignment]
            if scope == "app":
                await app.run_action(action)
                return
            cockpit = app.cockpit
            # Queue keys act on the queue panel; cockpit and chart keys on the cockpit.
            target = cockpit.queue_panel if scope == "queue" else cockpit
            await app.run_action(action, target)

        return run

    def _theme(self, short: str):  # type: ignore[no-untyped-def]
        def run() -> None:
            self.app.theme = THEMES[short]

        return run
