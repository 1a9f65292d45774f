"""What an import run did, for its summary and its exit status: the counts of every unit,
each refusal, left-out resource and warning reported as it happens (never a value from
the data: file, entry, type and what is wrong)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from pcc_tui.core.interop.fhir_files import read_all
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_import import (
    ORDER,
    WANTED,
    Assign,
    UnitRefused,
    UnitResult,
    import_unit,
)
from pcc_tui.core.services.fhir_resolve import RunIndex
from pcc_tui.core.store.database import Store


class Tally:
    def __init__(self, report: Callable[[str], None]) -> None:
        self.report = report
        self.files = self.failed = 0
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.unchanged: Counter[str] = Counter()
        self.not_kept: Counter[str] = Counter()
        self.left_out: Counter[str] = Counter()

    def add(self, run: Callable[[], UnitResult]) -> bool:
        """Import one unit; False (each problem reported) if it was refused."""
        try:
            result = run()
        except UnitRefused as exc:
            for problem in exc.problems:
                self.report(f"pcc: {problem.line()}")
            return False
        self.created += result.created
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.not_kept += result.skipped
        for problem in result.left_out:
            self.report(f"pcc: left out: {problem.line()}")
            self.left_out[problem.resource_type or "resource"] += 1
        for warning in result.warnings:
            self.report(f"pcc: warning: {warning.line()}")
        return True

    @property
    def resources(self) -> int:
        return sum((self.created + self.updated + self.unchanged).values())

    def summary(self, seconds: float) -> str:
        def listed(counts: Counter[str]) -> str:
            return ", ".join(f"{t} {n}" for t, n in sorted(counts.items())) or "none"

        patients = self.created["Patient"] + self.updated["Patient"] + self.unchanged["Patient"]
        lines = [
            f"files {self.files}, failed {self.failed}, patients {patients}, {seconds:.1f} s",
            f"created: {listed(self.created)}",
            f"updated: {listed(self.updated)}",
            f"unchanged: {listed(self.unchanged)}",
            f"left out (a reference that does not resolve): {listed(self.left_out)}",
            f"not kept, so not checked (pcc keeps no such records): {listed(self.not_kept)}",
        ]
        return "\n".join(lines)


def import_files(
    store: Store,
    actor: Actor,
    source: str,
    paths: Iterable[Path],
    tally: Tally,
    assign: Assign | None = None,
    on_file: Callable[[Tally], None] | None = None,
) -> Tally:
    """Every file, in dependency order, each unit in its own transaction; what one file
    holds never stops the next. References may point to what earlier units became."""
    run = RunIndex()
    for path, units, problems in read_all(paths, WANTED, ORDER):
        tally.files += path is not None
        failed = bool(problems)  # a file, an entry or an ndjson line that could not be read
        for problem in problems:
            tally.report(f"pcc: {problem.line()}")
        for unit in units:
            failed |= not tally.add(
                lambda unit=unit: import_unit(store, actor, source, unit, run, assign)  # type: ignore[misc]
            )
        tally.failed += failed
        if on_file is not None and path is not None:
            on_file(tally)
    return tally
