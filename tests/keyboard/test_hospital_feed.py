"""Work that arrives by itself, used as a coordinator would: the cockpit is open, the
hospital's interface engine sends a discharge over MLLP to `pcc listen hl7`, and the
transitional-care item appears in the queue with its clocks; one key completes the contact."""

from __future__ import annotations

import signal
from datetime import datetime
from pathlib import Path

from hl7.client import MLLPClient
from sqlalchemy import select

from pcc_tui.core.domain.read_models import QueueScope
from pcc_tui.core.services.reads import view_queue
from pcc_tui.core.store.tables import PatientRow, PlanStepRow, TransitionRow
from tests.hl7_builders import adt, start_listener
from tests.keyboard.conftest import Cockpit, quit_cleanly
from tests.keyboard.test_duties import within


def test_a_discharge_arrives_and_the_contact_is_completed(cockpit: Cockpit, tmp_path: Path) -> None:
    url = str(cockpit.store.engine.url.render_as_string(hide_password=False))
    queue = view_queue(cockpit.store, cockpit.actor, QueueScope.MINE)
    pid = queue.items[0].patient.id
    with cockpit.store.reading() as s:
        patient = s.get(PatientRow, pid)
    assert patient is not None
    cockpit.move_to("trans")  # the queue filtered to transitions: none yet
    proc, port = start_listener(url, tmp_path / "none.toml")
    try:
        today = datetime.now().strftime("%Y%m%d")
        discharge = adt(
            "A03", patient.mrn, "KB-1", discharged=f"{today}0900", event_time=f"{today}0900"
        )
        with MLLPClient("127.0.0.1", port) as client:
            ack = client.send_message(discharge)
        assert "MSA|AA|KB-1" in (ack.decode() if isinstance(ack, bytes) else str(ack))
        screen = cockpit.wait("Transitional care", timeout=2.0)  # live: within 2 s of the ACK
        with cockpit.store.reading() as s:
            tcm = s.scalars(select(TransitionRow).where(TransitionRow.patient_id == pid)).one()
        row = next(line for line in screen.splitlines() if "Transitional care" in line)
        assert f"{tcm.contact_due:%a %d %b}" in row  # when: the contact's due date
        assert "contact by" in row
        cockpit.key("d")  # complete: the transition's running clock, the contact
        cockpit.wait("completed step")
        cockpit.wait(f"{tcm.visit_due:%a %d %b}")  # the face-to-face clock runs now
        within(cockpit, 1)
        with cockpit.store.reading() as s:
            step = s.get(PlanStepRow, tcm.contact_step_id)
        assert step is not None and step.status == "completed"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    quit_cleanly(cockpit)
