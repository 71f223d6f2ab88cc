"""One running application per user: a second launch hands its meeting link over and exits.

The first instance listens on a QLocalServer (a Unix socket, or a named pipe on Windows); a later
launch connects, sends its link as one message and waits for a one-byte acknowledgement.

Wire format, client to primary: a 4-byte big-endian length, then that many bytes of UTF-8 text
(at most `MAX_MESSAGE_BYTES`). The primary answers `ACK` when it accepted the message and `NAK`
when it dropped it, then closes the connection. An empty message asks the primary to come to
the front (`activation_requested`) without a link.

Decisions:
- The default key is per user (a hash of the user name and the config folder), so two people
  on one machine never reach each other's instance. On Linux, when XDG_RUNTIME_DIR is a private
  folder of ours, the socket lives there rather than in the shared temporary folder, so another
  user cannot squat the name.
- A stale socket left by a crash is removed only after connecting to it failed; on Unix the
  socket file is made readable and writable by its owner only.
- The primary never blocks: each client is read as its bytes arrive, a client that sends
  nothing is dropped after `IDLE_CLIENT_MS`, and too many clients at once are refused.
- A message is only ever emitted as text for the caller to parse as a link; nothing it says is
  read as a command-line option.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import stat
import sys
import time

import platformdirs
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

__all__ = ["ACK", "MAX_MESSAGE_BYTES", "NAK", "SingleInstance", "default_key"]

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 4096
ACK = b"\x06"
NAK = b"\x15"
IDLE_CLIENT_MS = 5000
MAX_CLIENTS = 8
_HEADER_BYTES = 4
_PROBE_TIMEOUT_MS = 500


def default_key() -> str:
    """The per-user key: `visio-desktop-` and 16 hex digits of a hash of who and where."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name known: fall back on the uid
        user = str(os.getuid()) if hasattr(os, "getuid") else ""
    where = platformdirs.user_config_dir("visio-desktop", appauthor=False)
    digest = hashlib.sha256(f"{user}\0{where}".encode()).hexdigest()
    return f"visio-desktop-{digest[:16]}"


class SingleInstance(QObject):
    """The rendezvous between the primary instance and later launches."""

    link_received = Signal(str)
    activation_requested = Signal()

    def __init__(self, key: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._key = key if key is not None else default_key()
        self._server_name = _server_name(self._key)
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}

    @property
    def key(self) -> str:
        return self._key

    @property
    def server_name(self) -> str:
        """The name given to QLocalServer/QLocalSocket (a full socket path on some systems)."""
        return self._server_name

    @property
    def is_primary(self) -> bool:
        return self._server is not None and self._server.isListening()

    def try_become_primary(self) -> bool:
        """Listen for later launches and return True, or return False if a primary answers.

        If listening fails for another reason (no permission...), this still returns True with
        a warning: with no reachable primary, running without the hand-over beats not running.
        """
        if self.is_primary:
            return True
        if _primary_answers(self._server_name):
            return False
        server = QLocalServer(self)
        if sys.platform == "win32":  # the pipe's access list: this user only
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # Not on Unix: there Qt then renames its socket over any existing file, a live
        # primary's included, instead of failing with AddressInUseError. See _restrict().
        server.setMaxPendingConnections(MAX_CLIENTS)
        if not server.listen(self._server_name):
            if server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                log.warning("single instance: cannot listen: %s", server.errorString())
                server.deleteLater()
                return True
            if _primary_answers(self._server_name):  # started while we were looking
                server.deleteLater()
                return False
            log.info("single instance: removing a stale server name left by a crash")
            QLocalServer.removeServer(self._server_name)
            if not server.listen(self._server_name):
                log.warning("single instance: cannot listen: %s", server.errorString())
                server.deleteLater()
                return True
        _restrict(server)
        server.newConnection.connect(self._accept_clients)
        self._server = server
        return True

    def close(self) -> None:
        """Stop listening (the primary does this on quit) and drop connected clients."""
        for client in list(self._buffers):
            client.abort()
        self._buffers.clear()
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None

    def send_to_primary(self, link_text: str, timeout_ms: int = 3000) -> bool:
        """Hand `link_text` ("" to just bring the primary to the front) to the primary.

        Blocks for at most about `timeout_ms`; returns whether the primary acknowledged it.
        Call it from a process that is not the primary: the primary's event loop must run.
        """
        try:
            payload = link_text.encode("utf-8", errors="strict")
        except UnicodeEncodeError:  # e.g. an argument of undecodable bytes (surrogateescape)
            log.warning("single instance: the link is not valid text; not handing it over")
            return False
        if len(payload) > MAX_MESSAGE_BYTES:
            log.warning("single instance: link too long to hand over (%d bytes)", len(payload))
            return False
        deadline = time.monotonic() + timeout_ms / 1000

        def remaining_ms() -> int:
            return max(0, int((deadline - time.monotonic()) * 1000))

        socket = QLocalSocket()
        try:
            socket.connectToServer(self._server_name)
            if not socket.waitForConnected(remaining_ms()):
                log.info("single instance: no primary: %s", socket.errorString())
                return False
            socket.write(len(payload).to_bytes(_HEADER_BYTES, "big") + payload)
            while socket.bytesToWrite() > 0:
                if not socket.waitForBytesWritten(remaining_ms()):
                    log.warning("single instance: could not send: %s", socket.errorString())
                    return False
            while socket.bytesAvailable() < 1:
                if not socket.waitForReadyRead(remaining_ms()):
                    log.warning("single instance: no answer from the primary")
                    return False
            return bytes(socket.read(1).data()) == ACK
        finally:
            socket.abort()

    # Primary side.

    def _accept_clients(self) -> None:
        server = self._server
        if server is None:
            return
        while server.hasPendingConnections():
            client = server.nextPendingConnection()
            if client is None:
                break
            if len(self._buffers) >= MAX_CLIENTS:
                log.warning("single instance: too many clients at once; refusing one")
                client.abort()
                client.deleteLater()
                continue
            self._buffers[client] = bytearray()
            client.readyRead.connect(lambda c=client: self._read(c))
            client.disconnected.connect(lambda c=client: self._forget(c))
            idle = QTimer(client)
            idle.setSingleShot(True)
            idle.timeout.connect(lambda c=client: self._drop_idle(c))
            idle.start(IDLE_CLIENT_MS)
            if client.bytesAvailable() > 0:
                self._read(client)

    def _read(self, client: QLocalSocket) -> None:
        buffer = self._buffers.get(client)
        if buffer is None:
            return
        buffer += bytes(client.read(_HEADER_BYTES + MAX_MESSAGE_BYTES + 1 - len(buffer)).data())
        if len(buffer) < _HEADER_BYTES:
            return
        length = int.from_bytes(buffer[:_HEADER_BYTES], "big")
        if length > MAX_MESSAGE_BYTES:
            log.warning("single instance: dropped a message of %d bytes (too long)", length)
            self._finish(client, NAK)
            return
        if len(buffer) < _HEADER_BYTES + length:
            return
        if len(buffer) > _HEADER_BYTES + length or client.bytesAvailable() > 0:
            log.warning("single instance: dropped a message followed by extra bytes")
            self._finish(client, NAK)
            return
        try:
            text = bytes(buffer[_HEADER_BYTES:]).decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            log.warning("single instance: dropped a message that is not valid UTF-8")
            self._finish(client, NAK)
            return
        self._finish(client, ACK)
        if text:
            self.link_received.emit(text)
        else:
            self.activation_requested.emit()

    def _finish(self, client: QLocalSocket, answer: bytes) -> None:
        """Answer, then close once the answer is flushed; no further reading from this client."""
        self._buffers.pop(client, None)
        client.readyRead.disconnect()
        client.write(answer)
        client.flush()
        client.disconnectFromServer()  # waits for the answer to be written, then disconnects
        client.deleteLater()

    def _drop_idle(self, client: QLocalSocket) -> None:
        if client in self._buffers:
            log.info("single instance: dropping a client that sent nothing in time")
            self._buffers.pop(client, None)
            client.abort()
            client.deleteLater()

    def _forget(self, client: QLocalSocket) -> None:
        if self._buffers.pop(client, None) is not None:
            client.deleteLater()


def _primary_answers(server_name: str) -> bool:
    """Whether something accepts connections on `server_name` right now."""
    probe = QLocalSocket()
    probe.connectToServer(server_name)
    connected = probe.waitForConnected(_PROBE_TIMEOUT_MS)
    probe.abort()
    return connected


def _restrict(server: QLocalServer) -> None:
    """On Unix, let only this user connect (connecting needs write access to the socket)."""
    if sys.platform == "win32":
        return
    try:
        os.chmod(server.fullServerName(), 0o600)
    except OSError as exc:
        log.warning("single instance: cannot restrict the socket to this user: %s", exc)


def _server_name(key: str) -> str:
    """A key without a path goes in the user's private runtime folder when there is one."""
    if "/" in key or "\\" in key or not sys.platform.startswith("linux"):
        return key
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if not runtime or not os.path.isabs(runtime):
        return key
    try:
        info = os.stat(runtime)
    except OSError:
        return key
    private = stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077 == 0
    if not private or info.st_uid != os.getuid():
        return key
    return os.path.join(runtime, key)
