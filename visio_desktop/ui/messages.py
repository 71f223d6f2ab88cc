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
    Unreachable,
)
from visio_desktop.core.kinds import MediaKind
from visio_desktop.core.protocol import ErrorCode


def friendly_error(error: BaseException, host: str) -> str:
    if isinstance(error, LinkError):
        text = QCoreApplication.translate("Messages", "This is not a meeting link: %1")
        return text.replace("%1", error.message)
    if isinstance(error, ServerUnreachableError):
        return _unreachable(error.reason, host)
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


def _unreachable(reason: Unreachable, host: str) -> str:
    """Why the server could not be reached, when we know: a certificate problem is never the
    network's fault, and telling the three apart tells the user whom to ask."""
    if reason is Unreachable.UNTRUSTED_CERTIFICATE:
        text = QCoreApplication.translate(
            "Messages",
            "The meeting server %1 has a security certificate that this computer does not "
            "trust, so the connection was stopped. If the server belongs to your organisation, "
            "ask your IT department to install its certificate authority.",
        )
    elif reason is Unreachable.WRONG_HOST_NAME:
        text = QCoreApplication.translate(
            "Messages",
            "The security certificate of the meeting server %1 was made out for another "
            "server name, so the connection was stopped. Check the link; if it is right, tell "
            "the server's administrators.",
        )
    elif reason is Unreachable.EXPIRED_CERTIFICATE:
        text = QCoreApplication.translate(
            "Messages",
            "The security certificate of the meeting server %1 has expired, or this "
            "computer's date is wrong, so the connection was stopped. Check the date and time "
            "of this computer; if they are right, tell the server's administrators.",
        )
    elif reason is Unreachable.REFUSED:
        text = QCoreApplication.translate(
            "Messages",
            "The meeting server %1 refused the connection: it may not be running. Check the "
            "link, or try again later.",
        )
    else:
        text = QCoreApplication.translate(
            "Messages",
            "Could not reach the meeting server %1. Check your network connection and the "
            "link, then try again.",
        )
    return text.replace("%1", host)


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
