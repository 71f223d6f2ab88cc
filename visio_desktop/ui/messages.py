"""Errors in words a user understands: what happened and what to do about it."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from visio_desktop.core.errors import (
    ConnectionLostError,
    LinkError,
    ProtocolError,
    ServerRejectedError,
    ServerUnreachableError,
)
from visio_desktop.core.protocol import ErrorCode


def _tr(text: str) -> str:
    return QCoreApplication.translate("Messages", text)


def friendly_error(error: BaseException, host: str) -> str:
    if isinstance(error, LinkError):
        return _tr("This is not a meeting link: %1").replace("%1", error.message)
    if isinstance(error, ServerUnreachableError):
        return _tr(
            "Could not reach the meeting server %1. Check your network connection and the "
            "link, then try again."
        ).replace("%1", host)
    if isinstance(error, ServerRejectedError):
        if error.code == ErrorCode.ROOM_FULL:
            return _tr("This meeting is full. Ask the organiser to make room, then try again.")
        if error.code == ErrorCode.BAD_VERSION:
            return _tr(
                "The meeting server %1 needs another version of this application. "
                "Ask your IT department to update it."
            ).replace("%1", host)
        return _tr("The meeting server refused to let you in: %1").replace("%1", error.message)
    if isinstance(error, ProtocolError):
        return _tr("%1 does not answer like a meeting server. Check the link.").replace("%1", host)
    if isinstance(error, ConnectionLostError):
        return _tr("The connection to the meeting server %1 was lost. Try again.").replace(
            "%1", host
        )
    message = getattr(error, "message", "") or str(error)
    return _tr("Something went wrong: %1").replace("%1", message)
