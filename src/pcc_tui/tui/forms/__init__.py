"""One module per area: `Selection -> FormScreen`. Forms import neither the App nor widgets;
everything they act on comes in the frozen Selection, everything they need to act in FormEnv."""
