"""The Textual cockpit. Calls core services from thread workers; only handlers touch widgets."""
