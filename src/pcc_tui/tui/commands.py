"""Command palette (ctrl+p or `:`): go to a patient, run any action, switch theme."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from pcc_tui.core.errors import PccError
from pcc_tui.core.services.reads import search
from pcc_tui.tui.themes import THEMES

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp

ACTIONS = [
    ("Confirm appointment", "confirm", "c"),
    ("Reschedule appointment", "reschedule", "r"),
    ("Cancel or no-show appointment", "cancel", "x"),
    ("Book an appointment", "book", "b"),
    ("Referral: new, or track the selected one", "referral", "t"),
    ("Patient education: give and record an explanation", "education", "i"),
    ("Hand over this patient, a plan or a step", "hand_over", "H"),
    ("Handoffs offered to me", "handoffs", "h"),
    ("Ward rounds: beds in order, checklist, quick tasks", "rounds", "W"),
    ("Snooze the selected queue item(s)", "snooze", "S"),
    ("Visit: checked in, arrived, fulfilled", "visit", "f"),
    ("Complete step", "complete", "d"),
    ("Set step status", "step_status", "s"),
    ("Add note", "note", "n"),
    ("Log a communication", "log", "l"),
    ("Record eligibility check", "eligibility", "v"),
    ("Prior authorisation", "prior_auth", "a"),
    ("Reports and my workload", "reports", "o"),
    ("Start a care pathway", "start_pathway", "p"),
    ("Move a pathway's anchor date", "move_anchor", "A"),
    ("Undo my last action", "undo", "z"),
    ("Queue: mine", "load_queue('mine')", "m"),
    ("Queue: my ward", "load_queue('ward')", "w"),
    ("Queue: everyone", "load_queue('all')", "e"),
    ("Hide the screen (privacy)", "privacy", "f12"),
    ("Help: keys", "help", "?"),
]


class PatientCommands(Provider):
    """Find a patient by name (typos forgiven), MRN or birth date; audited as a search."""

    async def search(self, query: str) -> Hits:
        app: PccApp = self.app  # type: ignore[assignment]
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
                lambda pid=p.id: app.open_patient(pid),
                help=f"{hit.match.value} match" + (f" | {p.ward}" if p.ward else ""),
            )


class ActionCommands(Provider):
    async def discover(self) -> Hits:
        for title, action, key in ACTIONS:
            yield DiscoveryHit(f"{title}  ({key})", self._runner(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, key in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(f"{title}  ({key})"), self._runner(action))
        for short in THEMES:
            title = f"Theme: {short}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._theme(short))

    def _runner(self, action: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            await self.app.run_action(action)

        return run

    def _theme(self, short: str):  # type: ignore[no-untyped-def]
        def run() -> None:
            self.app.theme = THEMES[short]

        return run
