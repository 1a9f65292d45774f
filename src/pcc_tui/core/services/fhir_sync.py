"""`pcc sync fhir`: the EHR's Bulk Data export, authorised by SMART Backend Services, imported
through the file importer, with a high-water mark so the next run asks only `_since` the
last complete one.

Every file is downloaded before anything is imported, so a download that fails leaves the
database as it was; the mark moves only when every unit went in. Deleted resources (when
the server lists them) void the records they became. Downloads are owner-only files in an
owner-only folder, removed when the run ends, whatever happened.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from pcc_tui.core.config import EhrSettings
from pcc_tui.core.errors import DomainError, PccError
from pcc_tui.core.interop.bulk_export import (
    BulkClient,
    ExportRequest,
    Manifest,
    Progress,
    check_url,
)
from pcc_tui.core.interop.fhir_refs import ask
from pcc_tui.core.interop.smart_auth import AuthError, TokenSource, load_key
from pcc_tui.core.services import voiding
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.services.fhir_import import Assign
from pcc_tui.core.services.fhir_run import Tally, import_files
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.files import private_folder
from pcc_tui.core.store.tables import FhirLinkRow, FhirSyncRow


@dataclass
class SyncResult:
    since: str | None
    transaction_time: str
    files: int
    bytes: int
    tally: Tally
    voided: int = 0
    advanced: bool = False  # whether the high-water mark moved
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)  # the manifest's, by type
    # Where the time went: the server preparing the export, the downloads, the import.
    phases: dict[str, float] = field(default_factory=dict)


def last_mark(store: Store, source: str) -> str | None:
    with store.reading() as session:
        row = session.get(FhirSyncRow, source)
        return row.transaction_time if row is not None else None


def token_url(http: httpx.Client, ehr: EhrSettings) -> str:
    """[ehr] token_url, else the server's SMART configuration says where."""
    if ehr.token_url:
        check_url(ehr.token_url, "[ehr] token_url")
        return ehr.token_url
    base = (ehr.base_url or "").rstrip("/")
    try:
        reply = http.get(f"{base}/.well-known/smart-configuration")
        found = str(reply.json()["token_endpoint"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        raise AuthError(
            "the EHR publishes no token endpoint (.well-known/smart-configuration):"
            " set [ehr] token_url"
        ) from None
    check_url(found, "the EHR's token endpoint")
    return found


def client_for(
    http: httpx.Client,
    ehr: EhrSettings,
    *,
    now: Callable[[], Any],
    sleep: Callable[[float], None] = time.sleep,
) -> BulkClient:
    if not ehr.base_url:
        raise PccError("no EHR to sync from: set [ehr] base_url in the config")
    check_url(ehr.base_url)
    if not ehr.client_id or not ehr.key_file:
        raise PccError(
            "pcc has no credentials for the EHR: run `pcc sync fhir keygen`, register the"
            " key set it prints, and set [ehr] client_id and key_file"
        )
    key = load_key(Path(ehr.key_file).expanduser())
    tokens = TokenSource(http, token_url(http, ehr), ehr.client_id, key, ehr.scope)
    return BulkClient(
        http, ehr.base_url, tokens, now=now, sleep=sleep, poll_cap=ehr.poll_cap_seconds
    )


def sync(
    store: Store,
    actor: Actor,
    ehr: EhrSettings,
    client: BulkClient,
    tally: Tally,
    *,
    full: bool = False,
    work: Path,
    progress: Progress | None = None,
    downloaded: Callable[[int, int], None] | None = None,
    allow_partial: bool = False,
    assign: Assign | None = None,
) -> SyncResult:
    """One export, downloaded whole, then imported. `work` is a private folder for the
    downloads (removed afterwards)."""
    started = time.perf_counter()
    since = None if full else last_mark(store, ehr.source)
    request = ExportRequest(
        level=ehr.level,
        group=ehr.group,
        types=tuple(ehr.types),
        since=since,
        type_filters=tuple(ehr.type_filters),
    )
    status = client.kick_off(request)
    folder = Path(tempfile.mkdtemp(prefix="sync-", dir=private_folder(work)))
    try:
        manifest = client.wait_for(status, progress)
        exported = time.perf_counter()
        paths, size = _download(client, manifest, folder, downloaded)
        fetched = time.perf_counter()
        result = SyncResult(since, manifest.transaction_time, len(paths), size, tally)
        result.counts = _manifest_counts(manifest)
        import_files(store, actor, ehr.source, paths, tally, assign)
        result.voided = _void_deleted(store, actor, ehr.source, folder, tally)
        result.phases = {
            "export": exported - started,
            "download": fetched - exported,
            "import": time.perf_counter() - fetched,
        }
        complete = not tally.failed and (allow_partial or not tally.left_out)
        if complete:
            _mark(store, actor, ehr, manifest, tally.resources)
            result.advanced = True
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        client.cancel(status)
    result.seconds = time.perf_counter() - started
    return result


def _download(
    client: BulkClient,
    manifest: Manifest,
    folder: Path,
    downloaded: Callable[[int, int], None] | None,
) -> tuple[list[Path], int]:
    """Every output file (named so the importer sees its type) and the deleted lists."""
    paths: list[Path] = []
    size = 0
    items = [(f, f"{n:04d}.{f.type}.ndjson") for n, f in enumerate(manifest.output)]
    items += [(f, f"deleted-{n:04d}.ndjson.deleted") for n, f in enumerate(manifest.deleted)]
    for done, (item, name) in enumerate(items, start=1):
        dest = folder / name
        size += client.download(item, dest, manifest.requires_token)
        if name.endswith(".ndjson"):
            paths.append(dest)
        if downloaded is not None:
            downloaded(done, len(items))
    return paths, size


def _manifest_counts(manifest: Manifest) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in manifest.output:
        if item.count is not None:
            counts[item.type] = counts.get(item.type, 0) + item.count
    return counts


def _void_deleted(store: Store, actor: Actor, source: str, folder: Path, tally: Tally) -> int:
    """Each deleted-resource Bundle (a transaction of DELETEs) voids what the resource
    became here: entered in error, with the reason, never removed."""
    voided = 0
    for path in sorted(folder.glob("deleted-*")):
        with path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                for rtype, fhir_id in _deletions(line):
                    try:
                        voided += _void_one(store, actor, source, rtype, fhir_id)
                    except DomainError as exc:
                        tally.report(f"pcc: deleted {rtype} (line {number}): {exc}")
    return voided


def _deletions(line: bytes) -> list[tuple[str, str]]:
    try:
        bundle = json.loads(line)
    except (ValueError, RecursionError):
        return []
    out = []
    for entry in bundle.get("entry") or [] if isinstance(bundle, dict) else []:
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or request.get("method") != "DELETE":
            continue
        found = ask(str(request.get("url") or ""))
        if found.kind == "relative" and found.rtype and found.fhir_id:
            out.append((found.rtype, found.fhir_id))
    return out


def _void_one(store: Store, actor: Actor, source: str, rtype: str, fhir_id: str) -> int:
    with store.reading() as session:
        links = session.scalars(
            select(FhirLinkRow).where(
                FhirLinkRow.source == source,
                FhirLinkRow.resource_type == rtype,
                (FhirLinkRow.fhir_id == fhir_id) | FhirLinkRow.fhir_id.startswith(f"{fhir_id}/"),
            )
        ).all()
        targets = []
        for link in links:
            table = voiding.VOIDABLE.get(link.entity_type)
            row = session.get(table, link.entity_id) if table is not None else None
            if row is not None and getattr(row, "status", None) != voiding.ENTERED_IN_ERROR:
                targets.append((link.entity_type, link.entity_id, int(row.version)))  # type: ignore[attr-defined]
    for entity, entity_id, version in targets:
        voiding.void(store, actor, entity, entity_id, version, "deleted in the EHR")
    return len(targets)


def _mark(store: Store, actor: Actor, ehr: EhrSettings, manifest: Manifest, n: int) -> None:
    with action(store, actor, "fhir.sync") as tx:
        row = tx.session.get(FhirSyncRow, ehr.source)
        if row is None:
            row = FhirSyncRow(source=ehr.source)
            tx.session.add(row)
        row.base_url = str(ehr.base_url)[:500]
        row.transaction_time = manifest.transaction_time[:40]
        row.synced_at = tx.now
        row.resources = n
        tx.entity_type = "fhir_sync"
        tx.detail.update(source=ehr.source, transaction_time=row.transaction_time, resources=n)
