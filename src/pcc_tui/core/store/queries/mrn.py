"""Finding a patient by MRN. An MRN is unique within the system that issued it: "" is the
site's own (registration, HL7 feeds, and FHIR identifiers of `[policy] mrn_system`); an
EHR's identifiers of other systems keep theirs. A person typing an MRN means the site's
own first, then any other system's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Select, and_, select

from pcc_tui.core.store.tables import PatientRow

SITE = ""  # the system of the site's own MRNs


def site_mrn(mrn: str | BindParameter[str]) -> Any:
    """The condition for the site's own MRN `mrn` (a value, or a parameter of a statement
    built once)."""
    return and_(PatientRow.mrn == mrn, PatientRow.mrn_system == SITE)


def patient_id_by_mrn(mrn: str) -> Select[Any]:
    """The patient a typed MRN names: the site's own first, then the oldest record."""
    return (
        select(PatientRow.id)
        .where(PatientRow.mrn == mrn)
        .order_by(PatientRow.mrn_system, PatientRow.id)
        .limit(1)
    )
