"""Display policy for patient identifiers in lists (the chart shows the full name)."""

from __future__ import annotations

from pcc_tui.core.domain.read_models import PatientRef


def mask_patient(patient: PatientRef, policy: str = "initials-mrn") -> str:
    """initials-mrn (default): initials and MRN tail — enough to tell rows apart, too little
    to identify someone looking over a shoulder. `mrn`: full MRN. `name`: Family, G."""
    if policy == "name":
        return f"{patient.family_name}, {patient.given_name[:1]}."
    if policy == "mrn":
        return patient.mrn
    initials = f"{patient.given_name[:1]}{patient.family_name[:1]}".upper()
    return f"{initials} ..{patient.mrn[-4:]}"
