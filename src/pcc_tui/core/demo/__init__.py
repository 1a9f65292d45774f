"""A synthetic, deterministic demo ward (and the 100k-patient scale set)."""
