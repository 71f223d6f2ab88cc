"""HTTP(S) requests to meeting servers, as every signaling client makes them.

TLS trusts the OS store plus the policy's CA bundle (`policy_tls`), with no way to ignore a
certificate error; redirects are not followed and no proxy is taken from the environment. A
request that fails becomes `ServerUnreachableError` with a reason a front end can word
(`unreachable_reason`)::

    response = await request("GET", url, lambda: policy_tls(policy), host=link.host)
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from visio_desktop import __version__
from visio_desktop.core.errors import ServerUnreachableError, Unreachable
from visio_desktop.core.policy import Policy
from visio_desktop.core.tls import client_ssl_context

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
MAX_BODY_BYTES = 256 * 1024  # bigger answers are refused unread


async def request(
    method: str,
    url: str,
    tls: Callable[[], ssl.SSLContext],
    *,
    host: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    json: Any = None,
) -> httpx.Response:
    """One request, its body read (at most MAX_BODY_BYTES); `tls()` gives the TLS context for
    an https URL. ServerUnreachableError naming `host` when the server cannot be reached or
    answers more."""
    verify: ssl.SSLContext | bool = tls() if url.startswith("https:") else False
    sent = {"Accept": "application/json", "User-Agent": f"visio-desktop/{__version__}"}
    try:
        async with (
            httpx.AsyncClient(
                verify=verify, timeout=CONNECT_TIMEOUT, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                method, url, headers={**sent, **(headers or {})}, params=params, json=json
            ) as response,
        ):
            body = bytearray()
            async for part in response.aiter_bytes():
                body += part
                if len(body) > MAX_BODY_BYTES:
                    raise ServerUnreachableError(f"{host} answered with far too much data")
    except httpx.HTTPError as exc:
        reason, text = unreachable_reason(exc)
        raise ServerUnreachableError(
            f"could not reach the meeting server {host}: {text}", reason
        ) from None
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=bytes(body),
        request=response.request,
    )


def policy_tls(policy: Policy) -> ssl.SSLContext:
    """The OS trust store plus the policy's CA bundle; a bundle that cannot be loaded any more
    adds no trust (logged), as the policy's safest reading says."""
    try:
        return client_ssl_context(policy.extra_ca_bundle or None)
    except (OSError, ssl.SSLError) as exc:
        log.warning("the policy's CA bundle %s is not usable: %s", policy.extra_ca_bundle, exc)
        return client_ssl_context()


# OpenSSL's X509_V_ERR_* codes, as ssl.SSLCertVerificationError.verify_code carries them.
_UNTRUSTED_CODES = frozenset({18, 19, 20, 21})  # self-signed, unknown issuer, no signature
_WRONG_NAME_CODES = frozenset({62, 64})  # host name mismatch, IP address mismatch
_EXPIRED_CODES = frozenset({10})  # certificate has expired
_CERTIFICATE_TEXT = {
    Unreachable.UNTRUSTED_CERTIFICATE: "its certificate is not trusted by this computer",
    Unreachable.WRONG_HOST_NAME: "its certificate is for another name",
    Unreachable.EXPIRED_CERTIFICATE: "its certificate has expired",
}


def _certificate_reason(error: ssl.SSLCertVerificationError | None) -> Unreachable:
    """Which certificate problem; an unknown code counts as untrusted."""
    code = getattr(error, "verify_code", None)
    if code in _WRONG_NAME_CODES:
        return Unreachable.WRONG_HOST_NAME
    if code in _EXPIRED_CODES:
        return Unreachable.EXPIRED_CERTIFICATE
    return Unreachable.UNTRUSTED_CERTIFICATE


def unreachable_reason(exc: BaseException) -> tuple[Unreachable, str]:
    """Why a connection failed, and a short user-readable cause (through wrapped causes)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    # The ssl error itself carries the verify code; the wrappers (httpx, httpcore) only its text.
    verify = next((c for c in chain if isinstance(c, ssl.SSLCertVerificationError)), None)
    for cause in chain:
        if verify is not None or "CERTIFICATE_VERIFY" in str(cause):
            reason = _certificate_reason(verify)
            return reason, _CERTIFICATE_TEXT[reason]
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(cause).lower():
            return Unreachable.REFUSED, "connection refused (is the server running?)"
        if isinstance(cause, socket.gaierror):
            return Unreachable.UNKNOWN_HOST, "unknown host name"
        if isinstance(cause, TimeoutError | httpx.TimeoutException):
            return Unreachable.TIMEOUT, "no answer in time"
    return Unreachable.OTHER, str(exc).strip() or type(exc).__name__
