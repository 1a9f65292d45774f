"""Following other sessions' changes: the service the cockpit calls (it never touches the
store's feed directly)."""

from __future__ import annotations

from collections.abc import Callable

from pcc_tui.core.services.context import Store
from pcc_tui.core.store.changes import Change as Change  # re-exported: what a notice carries
from pcc_tui.core.store.feed import FIRST_RETRY_S, MAX_RETRY_S, ChangeFeed
from pcc_tui.core.store.feed_wait import StopSignal as StopSignal  # re-exported: how to stop


def follow_changes(
    store: Store,
    on_changes: Callable[[list[Change]], object],
    on_connectivity: Callable[[bool, float], object],
    stop: StopSignal,
    retry: tuple[float, float] = (FIRST_RETRY_S, MAX_RETRY_S),
) -> None:
    """Block, delivering other sessions' committed changes until `stop` is set; after a lost
    connection, try again after `retry[0]` seconds, doubling up to `retry[1]`."""
    ChangeFeed(store, on_changes, on_connectivity, retry).run(stop)
