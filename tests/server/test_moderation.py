"""What hosts and co-hosts do to a meeting, and what nobody else can, on 127.0.0.1."""

from __future__ import annotations

from tests.server.conftest import Connect, RawClient, create_meeting
from visio_desktop.core.protocol import (
    Admit,
    Chat,
    EndMeeting,
    Error,
    ErrorCode,
    Joined,
    LeaveReason,
    Lobby,
    MeetingEnded,
    Moderate,
    Moderated,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantUpdated,
    RoomStateChanged,
    SetRoomState,
    UpdateState,
    Waiting,
)
from visio_desktop.core.roles import Access, Moderation, Role, RoomState
from visio_desktop.server.runner import RunningServer


async def meeting(
    server: RunningServer, client: Connect, *names: str, access: str = "open"
) -> tuple[str, str, list[RawClient], list[Joined]]:
    """A new meeting with its host (the first name) and the others in it, each past the news
    of the later ones: its slug, secret, clients and their Joined."""
    slug, secret = await create_meeting(server, access)
    clients: list[RawClient] = []
    joins: list[Joined] = []
    for index, name in enumerate(names):
        c = await client()
        answer = await c.knock(name, slug, host_secret=secret if index == 0 else "")
        waited = isinstance(answer, Waiting)
        if waited:
            await clients[0].expect(Lobby)
            await clients[0].send(Admit(ids=(c.participant_id,)))
            answer = await c.expect(Joined)
        assert isinstance(answer, Joined), answer
        for earlier in clients:
            await earlier.expect(ParticipantJoined)
        if waited:
            assert (await clients[0].expect(Lobby)).waiting == ()
        clients.append(c)
        joins.append(answer)
    return slug, secret, clients, joins


async def test_a_participant_can_moderate_nothing(server: RunningServer, client: Connect) -> None:
    slug, _, (host, plain), _ = await meeting(server, client, "Hostess", "Plain")
    await host.send(UpdateState(display_name="Hostess", audio=True, hand_raised=True))
    await host.expect(ParticipantUpdated)
    await plain.expect(ParticipantUpdated)
    hostile = [
        Admit(ids=(host.participant_id,), allow=False),
        SetRoomState(state=RoomState(access=Access.LOCKED, mics_locked=True)),
        EndMeeting(),
        Moderate(action=Moderation.MUTE),
        *(Moderate(action=action, target=host.participant_id) for action in Moderation),
    ]
    for message in hostile:
        await plain.send(message)
        assert (await plain.expect(Error)).code is ErrorCode.FORBIDDEN, message
    await host.send(Chat(text="still here"))
    assert (await host.expect(Chat)).text == "still here"  # nothing came before it
    assert (await plain.expect(Chat)).text == "still here"
    newcomer = await client()
    joined = await newcomer.knock("Newcomer", slug)
    assert isinstance(joined, Joined) and joined.room_state == RoomState()
    roster = {p.display_name: p for p in joined.participants}
    assert roster["Hostess"].role is Role.HOST
    assert roster["Hostess"].audio and roster["Hostess"].hand_raised
    assert roster["Plain"].role is Role.PARTICIPANT


async def test_mute_all_locked_mics_and_a_lowered_hand(
    server: RunningServer, client: Connect
) -> None:
    _, _, people, _ = await meeting(server, client, "Hostess", "Ann", "Ben")
    for person in people:
        name = "Hostess" if person is people[0] else "x"
        await person.send(UpdateState(display_name=name, audio=True, hand_raised=True))
        for everyone in people:
            await everyone.expect(ParticipantUpdated)
    host, ann, ben = people
    await host.send(Moderate(action=Moderation.MUTE))
    for target in (ann, ben):
        for everyone in people:
            update = await everyone.expect(ParticipantUpdated)
            assert update.participant.id == target.participant_id and not update.participant.audio
        moderated = await target.expect(Moderated)
        assert (moderated.action, moderated.by) == (Moderation.MUTE, host.participant_id)
    await host.send(SetRoomState(state=RoomState(mics_locked=True)))
    for everyone in people:
        assert (await everyone.expect(RoomStateChanged)).state.mics_locked
    await ann.send(UpdateState(display_name="x", audio=True, hand_raised=True))
    refused = await ann.expect(Error)
    assert refused.code is ErrorCode.FORBIDDEN and "locked the microphones" in refused.message
    assert not (await host.expect(ParticipantUpdated)).participant.audio
    await host.send(UpdateState(display_name="Hostess", audio=True))  # a host still may
    assert (await host.expect(ParticipantUpdated)).participant.audio
    await host.send(Moderate(action=Moderation.LOWER_HAND, target=ben.participant_id))
    lowered = await host.expect(ParticipantUpdated)
    assert lowered.participant.id == ben.participant_id and not lowered.participant.hand_raised
    await host.send(Moderate(action=Moderation.STOP_VIDEO, target=host.participant_id))
    assert (await host.expect(Error)).code is ErrorCode.UNKNOWN_PARTICIPANT
    await host.send(Moderate(action=Moderation.STOP_VIDEO, target="nobody"))
    assert (await host.expect(Error)).code is ErrorCode.UNKNOWN_PARTICIPANT


async def test_a_cohost_admits_but_cannot_end_or_remove_the_host(
    server: RunningServer, client: Connect
) -> None:
    slug, _, (host, co), _ = await meeting(server, client, "Hostess", "Co", access="lobby")
    await host.send(Moderate(action=Moderation.MAKE_COHOST, target=co.participant_id))
    for everyone in (host, co):
        assert (await everyone.expect(ParticipantUpdated)).participant.role is Role.COHOST
    assert (await co.expect(Moderated)).action is Moderation.MAKE_COHOST
    knocker = await client()
    assert isinstance(await knocker.knock("Knocker", slug), Waiting)
    assert len((await co.expect(Lobby)).waiting) == 1
    await host.expect(Lobby)
    await co.send(Admit(ids=(knocker.participant_id,)))
    assert (await knocker.expect(Joined)).participants[1].role is Role.COHOST
    await co.expect(ParticipantJoined)
    assert (await co.expect(Lobby)).waiting == ()
    for refused in (
        EndMeeting(),
        Moderate(action=Moderation.REMOVE, target=host.participant_id),
        Moderate(action=Moderation.REVOKE_COHOST, target=host.participant_id),
        Moderate(action=Moderation.MAKE_COHOST, target=knocker.participant_id),
    ):
        await co.send(refused)
        assert (await co.expect(Error)).code is ErrorCode.FORBIDDEN, refused
    await host.expect(ParticipantJoined)
    assert (await host.expect(Lobby)).waiting == ()
    await host.send(Chat(text="nothing else happened"))
    assert (await host.expect(Chat)).text == "nothing else happened"


async def test_a_removed_participant_is_gone_and_cannot_come_back(
    server: RunningServer, client: Connect
) -> None:
    slug, _, (host, ann, ben), joins = await meeting(server, client, "Hostess", "Ann", "Ben")
    await host.send(Moderate(action=Moderation.REMOVE, target=ann.participant_id))
    moderated = await ann.expect(Moderated)
    assert (moderated.action, moderated.by_name) == (Moderation.REMOVE, "Hostess")
    await ann.closed_code()
    for other in (host, ben):
        left = await other.expect(ParticipantLeft)
        assert (left.participant_id, left.reason) == (ann.participant_id, LeaveReason.REMOVED)
    again = await client()
    refused = await again.knock("Ann", slug, ticket=joins[1].ticket)
    assert isinstance(refused, Error) and refused.code is ErrorCode.REMOVED


async def test_ending_the_meeting_sends_everyone_home(
    server: RunningServer, client: Connect
) -> None:
    slug, secret, (host, ann), _ = await meeting(server, client, "Hostess", "Ann", access="lobby")
    knocker = await client()
    assert isinstance(await knocker.knock("Knocker", slug), Waiting)
    await host.expect(Lobby)
    await host.send(EndMeeting())
    for everyone in (host, ann, knocker):
        assert (await everyone.expect(MeetingEnded)).by == host.participant_id
        await everyone.closed_code()
    back = await client()  # the link works again, and its secret still makes a host
    joined = await back.knock("Hostess", slug, host_secret=secret)
    assert isinstance(joined, Joined) and [p.role for p in joined.participants] == [Role.HOST]
