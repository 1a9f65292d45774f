"""`pcc audit verify|who-viewed|user` and `pcc db grant-app ROLE`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store


def add_commands(
    aud_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[..., None],
    since: Callable[[str], object],
) -> None:
    common(aud_sub.add_parser("verify", help="check the hash chain; exit 1 if broken"))
    viewed = aud_sub.add_parser("who-viewed", help="who viewed or exported a patient")
    common(viewed)
    viewed.add_argument("--patient", metavar="MRN", required=True)
    user = aud_sub.add_parser("user", help="everything one user did, sign-ins included")
    common(user)
    user.add_argument("name", metavar="NAME")
    for parser in (viewed, user):
        parser.add_argument("--since", type=since, metavar="DATE", help="default: 90 days back")
        parser.add_argument("--csv", action="store_true", help="CSV on stdout")


def cmd_verify(store: Store) -> int:
    from pcc_tui.core.store.audit import verify

    report = verify(store.engine)
    if report.intact:
        print(f"audit chain intact: {report.rows_checked:,} rows")
        return 0
    print(f"audit chain broken at row {report.broken_seq}: {report.problem}", file=sys.stderr)
    return 1


def cmd_review(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services.reports import run_report

    if args.audit_command == "who-viewed":
        report = run_report(store, actor, "who-viewed", since=args.since, patient_mrn=args.patient)
    else:
        report = run_report(store, actor, "user-activity", since=args.since, username=args.name)
    sys.stdout.write(report.as_csv() if args.csv else report.as_text() + "\n")
    return 0


def cmd_grant_app(store: Store, role: str) -> int:
    from pcc_tui.core.store.roles import grant_app_role

    for statement in grant_app_role(store.engine, role):
        print(statement)
    return 0
