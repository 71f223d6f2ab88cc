"""Errors in words a user understands: what happened and what to do about it.

Each sentence is written out whole (with its context named literally) so that lupdate finds it
and a translator sees a full sentence."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from visio_desktop.core.errors import (
    ConnectionLostError,
    LinkError,
    ProtocolError,
    ServerRejectedError,
    ServerUnreachableError,
)
from visio_desktop.core.kinds import MediaKind
from visio_desktop.core.protocol import ErrorCode


def friendly_error(error: BaseException, host: str) -> str:
    if isinstance(error, LinkError):
        text = QCoreApplication.translate("Messages", "This is not a meeting link: %1")
        return text.replace("%1", error.message)
    if isinstance(error, ServerUnreachableError):
        text = QCoreApplication.translate(
            "Messages",
            "Could not reach the meeting server %1. Check your network connection and the "
            "link, then try again.",
        )
        return text.replace("%1", host)
    if isinstance(error, ServerRejectedError):
        if error.code == ErrorCode.ROOM_FULL:
            return QCoreApplication.translate(
                "Messages", "This meeting is full. Ask the organiser to make room, then try again."
            )
        if error.code == ErrorCode.SERVER_BUSY:
            return QCoreApplication.translate(
                "Messages", "The meeting server is busy. Try again in a moment."
            )
        if error.code == ErrorCode.BAD_REDIRECT:
            text = QCoreApplication.translate(
                "Messages",
                "The meeting server %1 tried to send you to another server. For your safety, "
                "the connection was stopped. Tell your IT department.",
            )
            return text.replace("%1", host)
        if error.code == ErrorCode.BAD_VERSION:
            text = QCoreApplication.translate(
                "Messages",
                "The meeting server %1 needs another version of this application. "
                "Ask your IT department to update it.",
            )
            return text.replace("%1", host)
        text = QCoreApplication.translate(
            "Messages", "The meeting server refused to let you in: %1"
        )
        return text.replace("%1", error.message)
    if isinstance(error, ProtocolError):
        text = QCoreApplication.translate(
            "Messages", "%1 does not answer like a meeting server. Check the link."
        )
        return text.replace("%1", host)
    if isinstance(error, ConnectionLostError):
        text = QCoreApplication.translate(
            "Messages", "The connection to the meeting server %1 was lost. Try again."
        )
        return text.replace("%1", host)
    message = getattr(error, "message", "") or str(error)
    return QCoreApplication.translate("Messages", "Something went wrong: %1").replace("%1", message)


def device_failed(kind: MediaKind) -> str:
    """A camera or microphone that could not be started (whole sentences, for translators)."""
    if kind is MediaKind.VIDEO:
        return QCoreApplication.translate(
            "Messages",
            "Your camera could not be started. Check that it is connected and that no other "
            "application is using it.",
        )
    return QCoreApplication.translate(
        "Messages",
        "Your microphone could not be started. Check that it is connected and that no other "
        "application is using it.",
    )
