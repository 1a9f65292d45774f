"""HL7 v2 test messages, built field by field (the shared samples cover the formats; these
cover the sequences: admit, transfer, discharge, cancels, merges, scheduling)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hl7v2"
# The third-party set beside the project (`.ci/run` names it, and requires it, from a clone).
SHARED = Path(
    os.environ.get("PCC_SHARED_HL7V2")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "hl7v2"
)


def sample_files(folder: Path = FIXTURES) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix != ".md" and not p.name.startswith(".")
    )


def _pv1(
    cls: str,
    ward: str,
    bed: str,
    visit: str,
    service: str,
    admitted: str,
    discharged: str,
    disposition: str,
) -> str:
    fields = [""] * 46
    fields[0] = "PV1"
    fields[1] = "1"
    fields[2] = cls
    fields[3] = f"{ward}^^{bed}" if ward else ""
    fields[7] = "1234^House^Greg"
    fields[10] = service
    fields[19] = visit
    fields[36] = disposition
    fields[44] = admitted
    fields[45] = discharged
    return "|".join(fields).rstrip("|")


def adt(
    trigger: str,
    mrn: str = "MRN700",
    control: str = "C1",
    *,
    event_time: str = "20261125090000",
    visit: str = "V1",
    cls: str | None = "I",
    ward: str = "4 North",
    bed: str = "12",
    service: str = "MED",
    admitted: str = "20261120080000",
    discharged: str = "",
    disposition: str = "",
    family: str = "Rivera",
    given: str = "Ana",
    birth: str = "19500101",
    prior_mrn: str | None = None,
    sender: str = "ADT",
    extra: tuple[str, ...] = (),
    sep: str = "\r",
) -> str:
    segments = [
        f"MSH|^~\\&|{sender}|GENHOSP|PCC|CLINIC|{event_time}||ADT^{trigger}^ADT_A01|{control}|P|2.5",
        f"EVN|{trigger}|{event_time}",
        f"PID|1||{mrn}^^^GENHOSP^MR||{family}^{given}||{birth}|F|||1 Main St^^Springfield^IL^62701"
        "||(217)555-0100",
    ]
    if prior_mrn is not None:
        segments.append(f"MRG|{prior_mrn}^^^GENHOSP^MR")
    if cls is not None:
        segments.append(_pv1(cls, ward, bed, visit, service, admitted, discharged, disposition))
    segments += list(extra)
    return sep.join(segments) + sep


def siu(
    trigger: str,
    mrn: str = "MRN700",
    control: str = "S1",
    *,
    appointment: str = "APT-1",
    start: str = "20261203100000",
    minutes: str = "30",
    reason: str = "Follow-up visit",
    event_time: str = "20261125090000",
    family: str = "Rivera",
    given: str = "Ana",
    birth: str = "19500101",
) -> str:
    sch = [""] * 26
    sch[0], sch[1], sch[2], sch[7], sch[25] = (
        "SCH",
        appointment,
        appointment,
        f"^{reason}",
        "Booked",
    )
    segments = [
        f"MSH|^~\\&|SCHED|GENHOSP|PCC|CLINIC|{event_time}||SIU^{trigger}^SIU_S12|{control}|P|2.5",
        "|".join(sch),
        f"PID|1||{mrn}^^^GENHOSP^MR||{family}^{given}||{birth}|F",
        "RGS|1",
        f"AIS|1||CONSULT^Consultation|{start}|||{minutes}|min",
        "AIL|1||CLINIC-B^^^Clinic B",
    ]
    return "\r".join(segments) + "\r"


def start_listener(url: str, config: Path) -> tuple[subprocess.Popen[str], int]:
    """`pcc listen hl7 --port 0` as a process on `url`; returns it and the port it bound."""
    env = {**os.environ, "PCC_DATABASE_URL": url, "PCC_CONFIG": str(config)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pcc_tui", "listen", "hl7", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"listening for HL7 v2 \(MLLP\) on [\d.]+:(\d+)", line)
        if found:
            return proc, int(found.group(1))
    raise RuntimeError(f"the listener did not start (exit {proc.wait()})")
