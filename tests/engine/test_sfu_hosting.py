"""What our host messages become as requests to La Suite Meet's API (as our front has it)."""

from __future__ import annotations

from livekit.protocol import models as lm

from visio_desktop.core.protocol import Admit, EndMeeting, Moderate, SetRoomState
from visio_desktop.core.roles import Access, Moderation, RoomState
from visio_desktop.engine.sfu_hosting import HostRequest, host_requests, role_of, room_state_of


def person(identity: str, role: str = "member") -> lm.ParticipantInfo:
    tracks = [
        lm.TrackInfo(sid=f"TR_{identity}_mic", source=lm.TrackSource.MICROPHONE),
        lm.TrackInfo(sid=f"TR_{identity}_cam", source=lm.TrackSource.CAMERA),
    ]
    return lm.ParticipantInfo(identity=identity, tracks=tracks, attributes={"room_role": role})


KNOWN = {"bob": person("bob"), "carol": person("carol", "admin"), "dan": person("dan")}


def test_roles_and_rules_are_read_from_attributes_and_metadata() -> None:
    assert [role_of(KNOWN[i]).value for i in ("bob", "carol")] == ["participant", "cohost"]
    assert role_of(person("o", "owner")).value == "host"
    rules = room_state_of('{"visio": {"access": "lobby", "mics_locked": true}}')
    assert rules == RoomState(Access.LOBBY, mics_locked=True)
    for junk in ("", "[", '{"visio": {"access": "wide"}}', '{"visio": {"mics_locked": 1}}'):
        assert room_state_of(junk) is None


def test_host_messages_become_requests() -> None:
    assert host_requests(Admit(("p1", "p2"), allow=False), KNOWN) == [
        HostRequest("POST", "enter/", {"participant_id": "p1", "allow_entry": False}),
        HostRequest("POST", "enter/", {"participant_id": "p2", "allow_entry": False}),
    ]
    assert host_requests(SetRoomState(RoomState(Access.LOCKED)), KNOWN) == [
        HostRequest("PATCH", "", {"access": "locked", "mics_locked": False})
    ]
    assert host_requests(EndMeeting(), KNOWN) == [HostRequest("POST", "end-meeting/")]
    mute = "mute-participant/"
    assert host_requests(Moderate(Moderation.STOP_VIDEO, "bob"), KNOWN) == [
        HostRequest("POST", mute, {"participant_identity": "bob", "track_sid": "TR_bob_cam"})
    ]
    assert host_requests(Moderate(Moderation.MUTE), KNOWN) == [  # not the co-host
        HostRequest("POST", mute, {"participant_identity": i, "track_sid": f"TR_{i}_mic"})
        for i in ("bob", "dan")
    ]
    assert host_requests(Moderate(Moderation.STOP_SCREEN, "bob"), KNOWN) == []
    assert host_requests(Moderate(Moderation.LOWER_HAND, "bob"), KNOWN) == [
        HostRequest(
            "POST",
            "update-participant/",
            {"participant_identity": "bob", "attributes": {"handRaisedAt": ""}},
        )
    ]
    assert host_requests(Moderate(Moderation.MAKE_COHOST, "bob"), KNOWN) == [
        HostRequest(
            "POST", "update-participant-role/", {"participant_identity": "bob", "role": "admin"}
        )
    ]
    assert host_requests(Moderate(Moderation.REMOVE, "dan"), KNOWN) == [
        HostRequest("POST", "remove-participant/", {"participant_identity": "dan"})
    ]
