"""The PostgreSQL server goes away mid-session and comes back: nothing is lost or faked."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcc_tui.core.errors import StoreUnavailable
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.store.database import Store
from tests import builders
from tests.conftest import _require_postgres, fixed_clock, new_database
from tests.pg_cluster import PgCluster
from tests.team.conftest import listen


def test_server_restart_goes_offline_then_resumes_and_catches_up(
    pg_cluster: PgCluster | None, tmp_path: Path, sqlite_template: Path
) -> None:
    cluster = _require_postgres(pg_cluster)
    url = new_database("postgresql", cluster, tmp_path, sqlite_template)
    store = Store.open(url, clock=fixed_clock())
    other = Store.open(url, clock=fixed_clock())
    feed = None
    try:
        actor = builders.coordinator(store)
        pid = builders.patient(store, actor)
        feed = listen(store)
        cluster.pause()
        try:
            assert feed.next_status() is False
            with pytest.raises(StoreUnavailable):
                add_note(other, actor, pid, "typed during the outage")
            with pytest.raises(StoreUnavailable):
                view_chart(store, actor, pid)
        finally:
            cluster.resume()
        assert feed.back_online()
        add_note(other, actor, pid, "after the restart")
        change = feed.next_change()
        assert change.patient_ids == {pid}
        chart = view_chart(store, actor, pid)
        notes = [n.text for n in chart.notes]
        # The note refused during the outage was never committed, so it is not there.
        assert "after the restart" in notes and "typed during the outage" not in notes
    finally:
        if feed is not None:
            feed.close()
        store.close()
        other.close()
