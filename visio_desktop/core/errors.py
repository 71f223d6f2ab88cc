"""The one error tree of visio-desktop.

Every error a caller of ours can see derives from `VisioError` and carries a sentence a user
can read. Foreign exceptions (aiohttp, websockets, httpx, aiortc) are translated into these at
the edge where they occur, so front ends only ever handle this tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from visio_desktop.core.protocol import ErrorCode


class VisioError(Exception):
    """Base of every error visio-desktop raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LinkError(VisioError):
    """A meeting link was refused; the message names the reason."""


class ProtocolError(VisioError):
    """A meeting-protocol frame could not be decoded or breaks a rule."""


class FrameTooLargeError(ProtocolError):
    """A protocol frame is over the size limit."""


class ServerUnreachableError(VisioError):
    """The meeting server could not be reached or answered nonsense at discovery."""


class ServerRejectedError(VisioError):
    """The meeting server answered with a protocol error (room full, bad version...)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class ConnectionLostError(VisioError):
    """The connection to the meeting server went away during a meeting."""


class MediaError(VisioError):
    """A media source or sink could not be opened or failed."""


class PeerConnectionError(VisioError):
    """A WebRTC negotiation with a peer failed (bad SDP, ICE failure...)."""
