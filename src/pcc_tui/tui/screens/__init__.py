"""Modal screens: forms, confirmations, conflicts, help, the privacy blank."""
