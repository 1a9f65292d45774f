"""The headless core: domain, store, services. Never imports Textual (tests enforce it)."""
