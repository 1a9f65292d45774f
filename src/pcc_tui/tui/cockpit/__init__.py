"""The cockpit screen: the four panels, the letter keys, live updates."""
