"""Following other sessions' changes: the service the cockpit calls (it never touches the
store's feed directly)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from pcc_tui.core.services.context import Store
from pcc_tui.core.store.changes import Change as Change  # re-exported: what a notice carries
from pcc_tui.core.store.feed import ChangeFeed


def follow_changes(
    store: Store,
    on_changes: Callable[[list[Change]], object],
    on_connectivity: Callable[[bool, float], object],
    stop: threading.Event,
) -> None:
    """Block, delivering other sessions' committed changes until `stop` is set."""
    ChangeFeed(store, on_changes, on_connectivity).run(stop)
