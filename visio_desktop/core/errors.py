"""The one error tree of visio-desktop.

Every error a caller of ours can see derives from `VisioError` and carries a sentence a user
can read. Foreign exceptions (aiohttp, websockets, httpx, aiortc) are translated into these at
the edge where they occur, so front ends only ever handle this tree.
"""

from __future__ import annotations

import enum
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


class Unreachable(enum.Enum):
    """Why a meeting server could not be reached, for a front end to say in plain words.
    The certificate causes come from OpenSSL's verify codes (see signaling/visio.py)."""

    UNTRUSTED_CERTIFICATE = "untrusted-certificate"  # no trusted authority vouches for it
    WRONG_HOST_NAME = "wrong-host-name"  # a valid certificate, made out for another name
    EXPIRED_CERTIFICATE = "expired-certificate"  # out of its validity period (or our clock)
    REFUSED = "refused"  # nothing listens on that port, or a firewall said no
    UNKNOWN_HOST = "unknown-host"
    TIMEOUT = "timeout"
    OTHER = "other"  # not a meeting server, an unreadable answer, anything else


class ServerUnreachableError(VisioError):
    """The meeting server could not be reached or answered nonsense at discovery; `reason`
    says which, when it is known."""

    def __init__(self, message: str, reason: Unreachable = Unreachable.OTHER) -> None:
        super().__init__(message)
        self.reason = reason


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
