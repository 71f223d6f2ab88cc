"""Qt widgets and the bridge to the engine (the desktop application issue)."""
