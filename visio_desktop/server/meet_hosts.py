"""What hosts do to a meeting held on LiveKit, as La Suite Meet's REST API names it, each
enforced through LiveKit's room service. All take JSON and the caller's LiveKit token
(`server.meet_common.caller`: owner or admin, else 403 and nothing changes):

- ``POST rooms/<slug>/mute-participant/ {participant_identity, track_sid}``: MutePublishedTrack.
- ``POST rooms/<slug>/update-participant/ {participant_identity, attributes?, permission?:
  {can_publish_sources: [...]}}``: UpdateParticipant (`room_role` is not set this way).
- ``POST rooms/<slug>/remove-participant/ {participant_identity}``: RemoveParticipant; the
  identity is banned from the meeting (`server.sfu_lobby`).
- ``POST rooms/<slug>/update-participant-role/ {participant_identity, role: admin|member}``.

And ours: ``PATCH rooms/<slug>/ {access?, mics_locked?}`` changes the meeting's rules, writes
them to the room's metadata (``{"visio": {"access", "mics_locked"}}``) and, for locked
microphones, takes the microphone from every member's permissions; ``POST
rooms/<slug>/end-meeting/`` (the owner only) deletes the LiveKit room.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from livekit import api

from visio_desktop.core.roles import Access, RoomState
from visio_desktop.server.livekit_rooms import ParticipantNotFound, RoomServiceError
from visio_desktop.server.meet_common import (
    API_PREFIX,
    FORBIDDEN,
    FRONT_KEY,
    FrontState,
    Refusal,
    caller,
    error,
    granted_role,
    json_body,
    slug_of,
    text_field,
)
from visio_desktop.server.sfu_lobby import RoomRole

log = logging.getLogger(__name__)

_SOURCES = {
    "camera": api.TrackSource.CAMERA,
    "microphone": api.TrackSource.MICROPHONE,
    "screen_share": api.TrackSource.SCREEN_SHARE,
    "screen_share_audio": api.TrackSource.SCREEN_SHARE_AUDIO,
}
_ATTRIBUTE_MAX = 16
_Handler = Callable[[web.Request, FrontState, str, RoomRole], Awaitable[web.Response]]


def add_host_routes(app: web.Application) -> None:
    rooms = f"{API_PREFIX}/rooms/{{slug}}"
    app.router.add_post(f"{rooms}/mute-participant/", _host(_mute))
    app.router.add_post(f"{rooms}/update-participant/", _host(_update))
    app.router.add_post(f"{rooms}/remove-participant/", _host(_remove))
    app.router.add_post(f"{rooms}/update-participant-role/", _host(_set_role))
    app.router.add_patch(f"{rooms}/", _host(_set_rules))
    app.router.add_post(f"{rooms}/end-meeting/", _host(_end))


def _host(handler: _Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`handler` for hosts only, with Refusal and the room service's errors answered."""

    async def run(request: web.Request) -> web.Response:
        try:
            slug = slug_of(request)
            _, role = await caller(request, slug)
            return await handler(request, request.app[FRONT_KEY], slug, role)
        except Refusal as refusal:
            return refusal.response
        except ParticipantNotFound:
            return web.json_response({"error": "Participant not found"}, status=404)
        except RoomServiceError as exc:
            return error(exc.status, exc.message)

    return run


def sources_permission(sources: Sequence[int]) -> api.ParticipantPermission:
    """A participant's whole permission, publishing `sources` only (UpdateParticipant
    replaces the permission: everything else a participant may do is kept)."""
    return api.ParticipantPermission(
        can_subscribe=True,
        can_publish=True,
        can_publish_data=True,
        can_update_metadata=True,
        can_publish_sources=sources,  # type: ignore[arg-type]
    )


async def _mute(request: web.Request, front: FrontState, slug: str, _: RoomRole) -> web.Response:
    body = await json_body(request)
    identity = text_field(body, "participant_identity")
    track_sid = text_field(body, "track_sid")
    await front.rooms.participant(slug, identity)
    await front.rooms.mute_track(slug, identity, track_sid)
    return web.json_response({"status": "success"})


async def _update(request: web.Request, front: FrontState, slug: str, _: RoomRole) -> web.Response:
    body = await json_body(request)
    identity = text_field(body, "participant_identity")
    attributes = body.get("attributes") or {}
    if (
        not isinstance(attributes, dict)
        or len(attributes) > _ATTRIBUTE_MAX
        or "room_role" in attributes
        or not all(isinstance(v, str) and len(v) <= 1024 for v in attributes.values())
    ):
        raise Refusal(400, "attributes must be a few texts (room_role is set by its own call)")
    permission = None
    if "permission" in body:
        given = body["permission"]
        names = given.get("can_publish_sources") if isinstance(given, dict) else None
        if not isinstance(names, list) or not all(n in _SOURCES for n in names):
            raise Refusal(400, f"can_publish_sources must name sources among {sorted(_SOURCES)}")
        permission = sources_permission([_SOURCES[n] for n in names])
    await front.rooms.participant(slug, identity)
    await front.rooms.update_participant(slug, identity, dict(attributes), permission)
    return web.json_response({"status": "success"})


async def _remove(request: web.Request, front: FrontState, slug: str, _: RoomRole) -> web.Response:
    identity = text_field(await json_body(request), "participant_identity")
    await front.store.ban(slug, identity)
    await front.rooms.remove_participant(slug, identity)
    return web.json_response({"status": "success"})


async def _set_role(
    request: web.Request, front: FrontState, slug: str, _: RoomRole
) -> web.Response:
    body = await json_body(request)
    identity = text_field(body, "participant_identity")
    try:
        role = RoomRole(str(body.get("role")))
    except ValueError:
        raise Refusal(400, {"role": ['"role" must be "admin" or "member".']}) from None
    if role is RoomRole.OWNER:
        raise Refusal(400, {"role": ['"role" must be "admin" or "member".']})
    target = await front.rooms.participant(slug, identity)
    if granted_role(dict(target.attributes), False) is RoomRole.OWNER:
        raise Refusal(403, FORBIDDEN)  # the owner stays owner
    await front.store.set_role(slug, identity, role)
    await front.rooms.update_participant(slug, identity, {"room_role": str(role)})
    return web.json_response({"status": "success"})


def room_metadata(state: RoomState) -> str:
    return json.dumps({"visio": {"access": str(state.access), "mics_locked": state.mics_locked}})


async def _set_rules(
    request: web.Request, front: FrontState, slug: str, _: RoomRole
) -> web.Response:
    body = await json_body(request)
    record = await front.store.get(slug)
    if record is None:
        return error(404, "Not found.")
    if set(body) - {"access", "mics_locked"}:
        raise Refusal(400, 'the body must be {"access"?: …, "mics_locked"?: true | false}')
    state = record.state
    if "access" in body:
        try:
            state = dataclasses.replace(state, access=Access(str(body["access"])))
        except ValueError:
            raise Refusal(400, "access must be one of open, lobby, locked") from None
    if "mics_locked" in body:
        if not isinstance(body["mics_locked"], bool):
            raise Refusal(400, "mics_locked must be true or false")
        state = dataclasses.replace(state, mics_locked=body["mics_locked"])
    locking = state.mics_locked != record.state.mics_locked
    if not await front.store.set_state(slug, state):
        return error(404, "Not found.")
    await front.rooms.set_metadata(slug, room_metadata(state))
    if locking:
        await _apply_mics_lock(front, slug, state.mics_locked)
    return web.json_response({"access": str(state.access), "mics_locked": state.mics_locked})


async def _apply_mics_lock(front: FrontState, slug: str, locked: bool) -> None:
    """Take the microphone from every member's permissions (LiveKit unpublishes it), or give
    it back."""
    sources = [_SOURCES[s] for s in front.rooms.front.sources]
    if locked:
        sources = [s for s in sources if s != api.TrackSource.MICROPHONE]
    for person in await front.rooms.participants(slug):
        granted = granted_role(dict(person.attributes), False)
        role = await front.store.role(slug, person.identity, granted)
        if role.moderates:
            continue
        try:
            await front.rooms.update_participant(
                slug, person.identity, permission=sources_permission(sources)
            )
        except RoomServiceError as exc:  # gone meanwhile: nothing to lock
            log.info("could not change the microphone of one person in %s: %s", slug, exc)


async def _end(request: web.Request, front: FrontState, slug: str, role: RoomRole) -> web.Response:
    if role is not RoomRole.OWNER:
        raise Refusal(403, FORBIDDEN)
    await front.store.close(slug)
    await front.rooms.delete_room(slug)
    return web.json_response({"status": "success"})
