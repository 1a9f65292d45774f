"""`pcc sync fhir` against the real SMART Bulk Data reference server (../shared/fhir-server):
SMART Backend Services with a key pcc made, a full export into an empty database with the
counts the server's own manifest gives, a `_since` re-sync that touches only what changed,
`_type` subsets, a Group export, a wrong key, a download cut mid-file, and deletions. Both
databases; the command line on SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import urlopen

import httpx
import pytest
from sqlalchemy import func, select

from pcc_tui.core.config import EhrSettings
from pcc_tui.core.interop.bulk_export import ExportError, retry_after
from pcc_tui.core.interop.smart_auth import AuthError, generate_key, jwks, load_key
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_run import Tally
from pcc_tui.core.services.fhir_sync import SyncResult, client_for, last_mark, sync
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CareTeamMemberRow,
    FhirSyncRow,
    PatientRow,
    ProblemRow,
)
from tests import builders
from tests.core.test_cli import pcc
from tests.fhir_server import CuttingProxy, Server, fhir_server, start  # noqa: F401

KEPT = ("Patient", "Encounter", "Condition", "CarePlan", "Organization", "Practitioner")


def wall() -> datetime:
    """The JWT's iat/exp are checked by the server's clock: the real time, not the store's."""
    return datetime.now(UTC)


@pytest.fixture
def ehr(fhir_server: Server, tmp_path: Path) -> EhrSettings:  # noqa: F811
    key = tmp_path / "keys" / "ehr.pem"
    generate_key(key, "ES384")
    client_id = fhir_server.register(jwks(load_key(key)))
    return EhrSettings(
        base_url=fhir_server.secure_base,
        client_id=client_id,
        key_file=str(key),
        poll_cap_seconds=2,
    )


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    # No kept-alive connections: each request is its own (the cutting proxy sees each).
    with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as c:
        yield c


def run(
    store: Store, actor: Actor, ehr: EhrSettings, http: httpx.Client, tmp_path: Path, **kw: object
) -> tuple[SyncResult, list[str]]:
    said: list[str] = []
    client = client_for(http, ehr, now=wall)
    result = sync(
        store,
        actor,
        ehr,
        client,
        Tally(said.append),
        work=tmp_path / "work",
        **kw,  # type: ignore[arg-type]
    )
    assert not list((tmp_path / "work").glob("sync-*")), "downloads left on disk"
    return result, said


def count(store: Store, table: object) -> int:
    with store.reading() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def test_a_full_export_then_a_since_resync(
    store: Store, coordinator: Actor, ehr: EhrSettings, http: httpx.Client, tmp_path: Path
) -> None:
    result, said = run(store, coordinator, ehr, http, tmp_path)
    tally = result.tally
    assert result.since is None and result.advanced
    assert tally.failed == 0 and not tally.left_out, said
    for rtype in KEPT:  # exactly what the server's manifest says it exported
        assert tally.created[rtype] == result.counts[rtype], rtype
    assert result.counts["Patient"] == 100 and result.counts["Encounter"] == 3697
    assert count(store, PatientRow) == 100
    with store.reading() as s:
        seen = s.scalar(select(func.count()).where(AppointmentRow.practitioner_id.is_not(None)))
        teams = s.scalar(select(func.count(func.distinct(CareTeamMemberRow.patient_id))))
    assert seen == 3697  # every encounter has its practitioner
    assert teams and teams >= 90  # patients with a care team
    assert last_mark(store, ehr.source) == result.transaction_time

    # The next run asks only _since the mark; move it back to see what changed since 2022.
    with store.writing() as s:
        row = s.get(FhirSyncRow, ehr.source)
        assert row is not None
        row.transaction_time = "2022-06-01T00:00:00Z"
    again, said = run(store, coordinator, ehr, http, tmp_path)
    assert again.since == "2022-06-01T00:00:00Z" and again.advanced
    changed = again.tally
    assert 0 < sum(again.counts.values()) < 2000  # only what the server dated after the mark
    assert sum(changed.created.values()) == 0, changed.created
    assert sum(changed.updated.values()) == 0, changed.updated  # nothing moved, nothing rewritten
    for rtype in KEPT:
        assert changed.unchanged[rtype] == again.counts.get(rtype, 0), rtype
    assert count(store, PatientRow) == 100


def test_type_subsets_and_a_group_export(
    store: Store,
    coordinator: Actor,
    ehr: EhrSettings,
    http: httpx.Client,
    tmp_path: Path,
    fhir_server: Server,  # noqa: F811
) -> None:
    subset = ehr.model_copy(update={"types": ["Patient", "Condition"]})
    result, _ = run(store, coordinator, subset, http, tmp_path)
    assert set(result.counts) == {"Patient", "Condition"}
    assert count(store, PatientRow) == 100 and count(store, ProblemRow) == 639
    assert count(store, AppointmentRow) == 0

    with urlopen(f"http://127.0.0.1:{fhir_server.port}/fhir/Group") as r:
        groups = json.loads(r.read())["entry"]
    group = groups[0]["resource"]
    members = int(group.get("quantity") or len(group.get("member") or []))
    grouped = ehr.model_copy(
        update={"level": "group", "group": group["id"], "types": ["Patient"], "source": "grp"}
    )
    result, _ = run(store, coordinator, grouped, http, tmp_path)
    assert 0 < result.counts["Patient"] == members < 100

    patients = ehr.model_copy(update={"level": "patient", "types": ["Patient"], "source": "pt"})
    result, _ = run(store, coordinator, patients, http, tmp_path)
    assert result.counts == {"Patient": 100}


def test_a_wrong_key_is_refused_clearly_and_imports_nothing(
    store: Store, coordinator: Actor, ehr: EhrSettings, http: httpx.Client, tmp_path: Path
) -> None:
    other = tmp_path / "keys" / "other.pem"
    generate_key(other, "ES384")  # not the key registered
    with pytest.raises(AuthError, match="refused pcc's credentials"):
        run(store, coordinator, ehr.model_copy(update={"key_file": str(other)}), http, tmp_path)
    assert count(store, PatientRow) == 0 and last_mark(store, ehr.source) is None


def test_a_download_cut_mid_file_resumes_and_nothing_is_half_applied(
    store: Store,
    coordinator: Actor,
    http: httpx.Client,
    tmp_path: Path,
    fhir_server: Server,  # noqa: F811
) -> None:
    for cuts, succeeds in ((1, True), (99, False)):
        server_port = fhir_server.port + 1000 + cuts
        proxy = CuttingProxy(server_port, cuts=cuts)
        server = start(server_port, public_port=proxy.port)
        try:
            key = tmp_path / f"k{cuts}.pem"
            generate_key(key)
            ehr = EhrSettings(
                base_url=server.secure_base,
                client_id=server.register(jwks(load_key(key))),
                key_file=str(key),
                types=["Patient", "Condition"],
                poll_cap_seconds=2,
                source=f"cut{cuts}",
            )
            before = count(store, ProblemRow)
            if succeeds:
                result, _ = run(store, coordinator, ehr, http, tmp_path)
                assert proxy.cut == 1 and result.advanced
                assert count(store, ProblemRow) - before == result.counts["Condition"]
            else:
                with pytest.raises(ExportError, match="could not download"):
                    run(store, coordinator, ehr, http, tmp_path)
                assert count(store, ProblemRow) == before  # every file first, then the import
                assert last_mark(store, ehr.source) is None
        finally:
            server.stop()
            proxy.close()


def test_deleted_resources_void_their_records(
    store: Store, coordinator: Actor, ehr: EhrSettings, http: httpx.Client, tmp_path: Path
) -> None:
    subset = ehr.model_copy(update={"types": ["Patient", "Condition"]})
    run(store, coordinator, subset, http, tmp_path)
    # The server's simulation of deletions: 10 % of what changed is listed as deleted.
    deleting = subset.model_copy(
        update={
            "base_url": subset.base_url.replace(  # type: ignore[union-attr]
                "eyJzZWN1cmUiOnRydWV9", "eyJzZWN1cmUiOnRydWUsImRlbCI6MTB9"
            )
        }
    )
    with store.writing() as s:  # the server lists deletions only in a _since export
        row = s.get(FhirSyncRow, subset.source)
        assert row is not None
        row.transaction_time = "2010-01-01T00:00:00Z"
    result, said = run(store, coordinator, deleting, http, tmp_path)
    assert result.voided > 0, said
    with store.reading() as s:
        voided = s.scalar(select(func.count()).where(ProblemRow.entered_in_error.is_(True)))
        gone = s.scalar(select(func.count()).where(PatientRow.status == "entered-in-error"))
    assert (voided or 0) + (gone or 0) == result.voided


def test_retry_after_is_capped_whatever_its_form() -> None:
    now = 1_800_000_000.0
    assert retry_after("5", now, cap=60) == 5
    assert retry_after(str(int(now + 300)), now, cap=60) == 60  # an absolute epoch, capped
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now, cap=60) == 0.5  # in the past
    assert retry_after(None, now, cap=60) == 2


def test_the_cli_keygen_then_sync(fhir_server: Server, tmp_path: Path) -> None:  # noqa: F811
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", "--patients", "1", url=url).returncode == 0
    builders.bind_os_user(url, "alex")
    key = tmp_path / "keys" / "ehr.pem"
    config = tmp_path / "pcc.toml"
    env = {"PCC_CONFIG": str(config)}
    made = pcc("sync", "fhir", "keygen", "--key", str(key), url=url, env=env)
    assert made.returncode == 0, made.stderr
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    printed = json.loads(made.stdout)
    assert "d" not in printed["keys"][0]  # the public half only
    client_id = fhir_server.register(printed)
    config.write_text(
        "[ehr]\n"
        f'base_url = "{fhir_server.secure_base}"\n'
        f'client_id = "{client_id}"\n'
        f'key_file = "{key}"\n'
        'types = ["Patient", "Encounter", "Practitioner", "Organization"]\n'
        "poll_cap_seconds = 2\n"
    )
    done = pcc("sync", "fhir", "--user", "alex", url=url, env=env)
    assert done.returncode == 0, done.stderr
    assert "since the beginning (a full export)" in done.stdout
    created = next(line for line in done.stdout.splitlines() if line.startswith("created:"))
    assert "Encounter 3697," in created and "Patient 100" in created, done.stdout
    again = pcc("sync", "fhir", "--user", "alex", url=url, env=env)
    assert again.returncode == 0 and "since 20" in again.stdout
    assert "\ncreated: none\n" in again.stdout
    insecure = config.read_text().replace("http://127.0.0.1", "http://example.org")
    config.write_text(insecure)
    refused = pcc("sync", "fhir", "--user", "alex", url=url, env=env)
    assert refused.returncode == 2 and "must be https://" in refused.stderr
