"""The four panels of the cockpit, one widget per file."""
