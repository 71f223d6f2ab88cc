"""The server's figures in the Prometheus text format, for ``GET /metrics``."""

from __future__ import annotations

from visio_desktop.server.state import ServerState

_PREFIX = "visio"


def prometheus_text(state: ServerState) -> str:
    """Every gauge and counter of `state`, one sample a line, with HELP and TYPE lines."""
    gate = state.gate
    samples: list[tuple[str, str, str, list[tuple[str, float]]]] = [
        ("connections", "gauge", "TCP connections open", [("", gate.open_connections)]),
        ("pending_handshakes", "gauge", "connections not yet joined", [("", gate.pending)]),
        ("websockets", "gauge", "meeting WebSockets open", [("", len(state.connections))]),
        ("rooms", "gauge", "meetings in progress", [("", len(state.rooms))]),
        (
            "participants",
            "gauge",
            "participants in meetings",
            [("", state.rooms.participant_count)],
        ),
        (
            "delivery_delay_seconds",
            "gauge",
            "worst recent wait of a ready writer",
            [("", state.delivery.seconds)],
        ),
        ("queued_bytes", "gauge", "bytes waiting in outbound queues", [("", state.queued_bytes)]),
        (
            "overloaded",
            "gauge",
            "1 while new joins are refused",
            [("", 1 if state.overload() else 0)],
        ),
        (
            "dropped_slow_readers_total",
            "counter",
            "clients cut for reading too slowly",
            [("", state.dropped_slow_readers)],
        ),
        (
            "refused_joins_total",
            "counter",
            "joins refused as server_busy",
            [("", state.refused_joins)],
        ),
        (
            "refused_connections_total",
            "counter",
            "connections refused at the door",
            [
                ('{reason="address"}', gate.refused["address"]),
                ('{reason="pending"}', gate.refused["pending"]),
            ],
        ),
        (
            "handshake_timeouts_total",
            "counter",
            "connections that did not join in time",
            [("", gate.expired)],
        ),
        (
            "accept_errors_total",
            "counter",
            "accept() failures for lack of descriptors",
            [("", gate.accept_errors)],
        ),
    ]
    lines: list[str] = []
    for name, kind, help_text, values in samples:
        full = f"{_PREFIX}_{name}"
        lines += [f"# HELP {full} {help_text}", f"# TYPE {full} {kind}"]
        lines += [f"{full}{labels} {_number(value)}" for labels, value in values]
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}"
