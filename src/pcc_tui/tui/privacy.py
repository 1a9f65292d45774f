"""Display policy for patient identifiers in lists (the chart shows the full name)."""

from __future__ import annotations

from pcc_tui.core.domain.read_models import PatientRef


def masked(patient: PatientRef) -> str:
    """Initials and the last four of the MRN: enough to tell rows apart, too little to leak."""
    initials = f"{patient.given_name[:1]}{patient.family_name[:1]}".upper()
    return f"{initials} ..{patient.mrn[-4:]}"
