"""`h`: handoffs offered to me or my pool — read the packet, accept (`a`) or decline (`x`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from pcc_tui.core.errors import ConflictError, PccError
from pcc_tui.core.services.handoffs import (
    HandoffView,
    accept_handoff,
    decline_handoff,
    handoffs_for,
)
from pcc_tui.tui.privacy import mask_patient
from pcc_tui.tui.screens.form import FormField, FormScreen
from pcc_tui.tui.selection import patient_label
from pcc_tui.tui.widgets import KeyTable

if TYPE_CHECKING:
    from pcc_tui.tui.host import Host


class OffersLoaded(Message):
    def __init__(self, offers: list[HandoffView]) -> None:
        super().__init__()
        self.offers = offers


class HandoffDone(Message):
    def __init__(self, summary: str, error: bool = False) -> None:
        super().__init__()
        self.summary = summary
        self.error = error


class HandoffsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept", id="handoff-accept"),
        Binding("x", "decline", "Decline", id="handoff-decline"),
        Binding("escape,q", "close", "Back", id="handoffs-close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.offers: dict[str, HandoffView] = {}

    @property
    def pcc(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self):  # type: ignore[no-untyped-def]
        with Vertical(id="handoffs"):
            yield KeyTable(id="handoff-table")
            with VerticalScroll(id="handoff-packet-box"):
                yield Static("", id="handoff-packet")
            yield Static("a accept  x decline  Esc back", id="handoffs-keys")

    def on_mount(self) -> None:
        table = self.query_one("#handoff-table", KeyTable)
        table.add_columns("Patient", "What", "From", "Offered", "Reason")
        table.border_title = "Handoffs offered to you: loading"
        self.set_focus(table)
        self._load()

    @work(thread=True, exclusive=True, group="handoffs")
    def _load(self) -> None:
        try:
            self.post_message(OffersLoaded(handoffs_for(self.pcc.store, self.pcc.actor)))
        except PccError as exc:
            self.post_message(HandoffDone(str(exc), error=True))

    def on_offers_loaded(self, message: OffersLoaded) -> None:
        table = self.query_one("#handoff-table", KeyTable)
        table.clear()
        self.offers = {str(o.id): o for o in message.offers}
        tz = self.pcc.store.clock.tz
        for o in message.offers:
            table.add_row(
                mask_patient(o.patient, self.pcc.mask),
                o.scope.replace("_", " "),
                o.offered_by,
                o.offered_at.astimezone(tz).strftime("%d %b %H:%M"),
                o.reason,
                key=str(o.id),
            )
        table.border_title = f"Handoffs offered to you ({len(message.offers)})"
        self._show_packet()

    @on(DataTable.RowHighlighted, "#handoff-table")
    def _moved(self, _event: DataTable.RowHighlighted) -> None:
        self._show_packet()

    def _current(self) -> HandoffView | None:
        key = self.query_one("#handoff-table", KeyTable).current_key()
        return self.offers.get(key) if key else None

    def _show_packet(self) -> None:
        offer = self._current()
        text = (
            "Nothing waiting for you."
            if offer is None
            else (
                f"From {offer.from_name or offer.offered_by} to {offer.to}: {offer.reason}\n\n"
                + "\n".join(f"- {line}" for line in offer.packet)
            )
        )
        self.query_one("#handoff-packet", Static).update(text)

    def action_accept(self) -> None:
        offer = self._current()
        if offer is None:
            self.notify("nothing selected", severity="warning")
            return
        self._decide(offer, None)

    def action_decline(self) -> None:
        offer = self._current()
        if offer is None:
            self.notify("nothing selected", severity="warning")
            return

        def submit(values: dict[str, Any], version: int | None) -> str:
            decline_handoff(
                self.pcc.store, self.pcc.actor, offer.id, version or offer.version, values["why"]
            )
            return f"{mask_patient(offer.patient, self.pcc.mask)}: handoff declined"

        clock = self.pcc.store.clock
        form = FormScreen(
            f"Decline the handoff from {offer.from_name or offer.offered_by}",
            [FormField("why", "Why", required=True, example="on leave from Monday")],
            submit,
            now=clock.now(),
            tz=clock.tz,
            patient=patient_label(offer.patient, self.pcc.mask, clock.today()),
        )
        self.app.push_screen(form, self._after_decline)

    def _after_decline(self, summary: str | None) -> None:
        if summary:
            self.post_message(HandoffDone(summary))

    @work(thread=True, group="handoffs-decide")
    def _decide(self, offer: HandoffView, _unused: None) -> None:
        try:
            moved = accept_handoff(self.pcc.store, self.pcc.actor, offer.id, offer.version)
            who = mask_patient(offer.patient, self.pcc.mask)
            self.post_message(HandoffDone(f"{who}: handoff accepted, {moved} record(s) now yours"))
        except ConflictError:
            self.post_message(HandoffDone("someone answered this offer already", error=True))
        except PccError as exc:
            self.post_message(HandoffDone(str(exc), error=True))

    def on_handoff_done(self, message: HandoffDone) -> None:
        self.notify(message.summary, severity="error" if message.error else "information")
        self._load()

    def action_close(self) -> None:
        self.dismiss(None)
