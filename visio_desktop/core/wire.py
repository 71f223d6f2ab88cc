"""Strict encoding and decoding of protocol frames (see `core.protocol`).

`decode` turns untrusted text into a frozen message dataclass or raises `ProtocolError`;
no other exception escapes, whatever the input. `encode` is its inverse.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import typing
from enum import StrEnum
from typing import Any, TypeVar

from visio_desktop.core.errors import FrameTooLargeError, ProtocolError
from visio_desktop.core.protocol import MAX_FRAME_BYTES, MESSAGE_TYPES, Message

_MAX_DEPTH = 4
_T = TypeVar("_T")


def encode(message: Message) -> str:
    """The JSON frame for `message`; raises ProtocolError if it would exceed the frame limit."""
    body = {"type": message.TYPE, **_to_json(message)}
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if len(text.encode()) > MAX_FRAME_BYTES:
        raise FrameTooLargeError(f"a {message.TYPE} frame would exceed {MAX_FRAME_BYTES} bytes")
    return text


def encode_object(value: object) -> str:
    """JSON for a plain protocol dataclass that is not a frame (the discovery document)."""
    return json.dumps(_to_json(value), ensure_ascii=False, allow_nan=False)


def decode(frame: str | bytes) -> Message:
    """Parse one untrusted frame into its message dataclass, strictly."""
    raw = frame.encode("utf-8", "surrogatepass") if isinstance(frame, str) else frame
    if len(raw) > MAX_FRAME_BYTES:
        raise FrameTooLargeError(f"frame of {len(raw)} bytes exceeds the {MAX_FRAME_BYTES} limit")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"frame is not valid JSON: {_short(exc)}") from None
    if not isinstance(data, dict):
        raise ProtocolError("frame is not a JSON object")
    kind = data.pop("type", None)
    if not isinstance(kind, str):
        raise ProtocolError("frame has no string 'type'")
    cls = MESSAGE_TYPES.get(kind)
    if cls is None:
        raise ProtocolError(f"unknown message type {kind[:40]!r}")
    value = _from_json(cls, data, kind, 0)
    assert isinstance(value, Message)
    return value


def decode_object(cls: type[_T], data: object, where: str) -> _T:
    """Check an already-parsed JSON value against dataclass `cls`, strictly."""
    if not isinstance(data, dict):
        raise ProtocolError(f"{where}: expected an object")
    value = _from_json(cls, dict(data), where, 0)
    assert isinstance(value, cls)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _short(exc: Exception) -> str:
    return str(exc)[:120]


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _from_json(cls: type, data: dict[str, Any], where: str, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ProtocolError(f"{where}: nested too deeply")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    extra = set(data) - set(fields)
    if extra:
        names = ", ".join(sorted(str(name)[:40] for name in extra)[:5])
        raise ProtocolError(f"{where}: unexpected field(s) {names}")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        path = f"{where}.{name}"
        if name not in data:
            if spec.default is dataclasses.MISSING:
                raise ProtocolError(f"{path}: missing field")
            continue
        value = _check(hints[name], data[name], path, depth)
        max_len = spec.metadata.get("max_len")
        if max_len is not None and len(value) > max_len:
            raise ProtocolError(f"{path}: longer than {max_len}")
        values[name] = value
    return cls(**values)


def _check(hint: Any, value: Any, path: str, depth: int) -> Any:
    """`value` converted to `hint`, or ProtocolError."""
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ProtocolError(f"{path}: expected a boolean")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
            return value
        raise ProtocolError(f"{path}: expected an integer")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
            if math.isfinite(number):
                return number
        raise ProtocolError(f"{path}: expected a finite number")
    if hint is str:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ProtocolError(f"{path}: contains unpaired surrogates") from None
            return value
        raise ProtocolError(f"{path}: expected a string")
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        if isinstance(value, str):
            try:
                return hint(value)
            except ValueError:
                pass
        raise ProtocolError(f"{path}: expected one of {', '.join(m.value for m in hint)}")
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, dict):
            return _from_json(hint, value, path, depth + 1)
        raise ProtocolError(f"{path}: expected an object")
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item_hint, _ellipsis) = typing.get_args(hint)
        if isinstance(value, list):
            return tuple(_check(item_hint, item, f"{path}[]", depth + 1) for item in value)
        raise ProtocolError(f"{path}: expected a list")
    raise ProtocolError(f"{path}: unsupported field type")  # pragma: no cover
