"""Voice activity detection and speech recognition (a later issue)."""
