"""The LiveKit media plane: one participant's connection to a LiveKit SFU (`connection`), what it
reports (`events`), how it follows LiveKit's ICE restarts (`ice`), and the meeting backend and
media plane built on it."""
