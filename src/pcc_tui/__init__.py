"""pcc-tui: a keyboard-driven terminal cockpit for patient care coordinators."""

__version__ = "0.1.0"
