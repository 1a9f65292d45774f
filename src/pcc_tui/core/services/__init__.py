"""Use cases: one function per coordinator action = one transaction = one audit event."""
