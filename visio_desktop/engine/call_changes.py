"""The words of the call state (`engine.call_state`): its phases, what a change touched, and
the one-off notifications (an announcement, a chat line, a caption, a reaction) that views
show but that are not state."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from visio_desktop.engine import events as ev


class Phase(StrEnum):
    HOME = "home"
    PREJOIN = "prejoin"
    JOINING = "joining"  # Join pressed, not yet in
    IN_CALL = "in_call"
    RECONNECTING = "reconnecting"
    LEFT = "left"  # the meeting ended by itself (the server went away for good)
    FAILED = "failed"  # the join did not succeed; `CallState.failure` says why


class What(StrEnum):
    """Which part of the state a `StateChanged` touched."""

    ROSTER = "roster"  # who is there, their media, hand and screen (and so the tiles)
    SELF = "self"  # our own name, media, hand and screen
    CONNECTION = "connection"
    CAPTIONS = "captions"  # our own captions' state
    SPEAKER = "speaker"
    QUALITY = "quality"
    PREVIEW_LEVEL = "preview_level"
    FAILURE = "failure"  # why the last join failed


class Quality(StrEnum):
    """A participant's connection, as their tile shows it."""

    UNKNOWN = "unknown"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class Announcement(StrEnum):
    """Something worth a notice (and a screen reader's announcement)."""

    JOINED = "joined"
    LEFT = "left"
    HAND_RAISED = "hand_raised"
    SHARING_STARTED = "sharing_started"
    SHARING_STOPPED = "sharing_stopped"
    OWN_SHARING_STARTED = "own_sharing_started"
    OWN_SHARING_STOPPED = "own_sharing_stopped"  # detail: why, when it stopped by itself
    PROBLEM = "problem"  # detail: what went wrong (the call goes on)


@dataclass(frozen=True)
class PhaseChanged:
    phase: Phase
    before: Phase


@dataclass(frozen=True)
class StateChanged:
    what: frozenset[What]


@dataclass(frozen=True)
class Announced:
    kind: Announcement
    detail: str  # the participant's name, or what happened


@dataclass(frozen=True)
class ChatShown:
    message: ev.ChatReceived
    own: bool


@dataclass(frozen=True)
class CaptionShown:
    key: str  # the server-stamped sender and their own segment id
    caption: ev.CaptionReceived


@dataclass(frozen=True)
class ReactionShown:
    name: str
    emoji: str


Change = PhaseChanged | StateChanged | Announced | ChatShown | CaptionShown | ReactionShown
