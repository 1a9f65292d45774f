"""Export FHIR R4: one patient as a collection Bundle, or everyone in the Bulk Data layout
(one ndjson per resource type). An export takes patient data out of the database, so each
is an audited action; every resource is validated before it is written."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from pcc_tui.core.errors import DomainError
from pcc_tui.core.interop.fhir_export import resources
from pcc_tui.core.services.access import open_record
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.services.permissions import REVIEWERS, require
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.mrn import patient_id_by_mrn


def patient_bundle(
    store: Store, actor: Actor, mrn: str, sink: Callable[[bytes], None] | None = None
) -> tuple[bytes, Counter[str]]:
    """The patient's Bundle; `sink` writes it inside the audited action (see calendar_export)."""
    with action(store, actor, "patient.export.fhir") as tx:
        pid = tx.session.scalar(patient_id_by_mrn(mrn.strip()))
        if pid is None:
            raise DomainError("no patient has that MRN")
        open_record(tx, pid)
        found = list(resources(tx.session, [pid]))
        counts = Counter(r["resourceType"] for r in found)
        tx.detail["resources"] = dict(counts)
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": tx.now.isoformat(),
            "entry": [{"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r} for r in found],
        }
        data = json.dumps(bundle, indent=1).encode()
        if sink is not None:
            sink(data)
        return data, counts


def bulk(store: Store, actor: Actor, write: Callable[[str, str], None]) -> Counter[str]:
    """Everyone's records; `write(resource type, ndjson line)` is called for each."""
    with action(store, actor, "export.fhir.bulk") as tx:
        require(actor, REVIEWERS, "export every patient's records")
        counts: Counter[str] = Counter()
        for resource in resources(tx.session, None):
            write(resource["resourceType"], json.dumps(resource, separators=(",", ":")))
            counts[resource["resourceType"]] += 1
        tx.detail["resources"] = dict(counts)
        return counts
