"""TLS for clients: the operating system's trust store, so an enterprise CA just works.

Certificate errors are never ignorable: there is deliberately no switch for that here.
"""

from __future__ import annotations

import ssl

import truststore


def client_ssl_context(extra_ca_file: str | None = None) -> ssl.SSLContext:
    """A verifying client context backed by the OS trust store (plus an optional CA bundle)."""
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if extra_ca_file:
        context.load_verify_locations(cafile=extra_ca_file)
    return context
