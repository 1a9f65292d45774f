"""`pcc report NAME`: the coordinator's reports as a text table or CSV (audited)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def add_commands(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:  # type: ignore[type-arg]
    report = sub.add_parser("report", help="run a report (pcc report --list)")
    common(report)
    report.add_argument("name", nargs="?", metavar="NAME", help="which report")
    report.add_argument("--list", action="store_true", help="list the reports and exit")
    report.add_argument("--csv", action="store_true", help="CSV on stdout instead of a table")
    report.add_argument(
        "--since", type=parse_date, metavar="DATE", help="from this date (YYYY-MM-DD)"
    )
    report.add_argument(
        "--coordinator", metavar="NAME", help="only this coordinator's work (user-activity: whose)"
    )
    report.add_argument("--patient", metavar="MRN", help="the patient (patient-access)")


def list_reports() -> int:
    from pcc_tui.core.services.reports import REPORTS

    for kind in REPORTS.values():
        print(f"{kind.name:22}{kind.title}")
    return 0


def cmd_report(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services.reports import run_report

    report = run_report(
        store,
        actor,
        args.name,
        since=args.since,
        coordinator=args.coordinator,
        patient_mrn=args.patient,
    )
    if args.csv:
        sys.stdout.write(report.as_csv())
    else:
        print(report.kind.title)
        print(report.as_text())
    return 0
