"""Where a form acts and how it says it has nothing to act on: what the cockpit needs of
forms before any form is opened (the forms themselves load on the first key that opens one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pcc_tui.core.domain.read_models import PatientRef
from pcc_tui.core.services.context import Actor, Store
from pcc_tui.tui.privacy import mask_patient


class NoTarget(Exception):
    """The action has nothing to act on here; the message says what to select."""


@dataclass(frozen=True)
class FormEnv:
    """Where a form acts: the session's store and user, and how patients are shown."""

    store: Store
    actor: Actor
    mask: str = "initials-mrn"

    def now(self) -> datetime:
        return self.store.clock.now()

    def who(self, patient: PatientRef | None) -> str:
        """A patient as toasts name them: as the lists do, by the display policy."""
        return "the patient" if patient is None else mask_patient(patient, self.mask)
