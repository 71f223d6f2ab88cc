"""Meeting links and server-supplied URLs judged under the system policy (`core.policy`).

`decide_link` says whether a meeting link may open: ALLOW (the pre-join screen), ASK (a
question first, showing the host in punycode; camera and microphone start off) or REFUSE (a
message, and no way to go on). `check_server_supplied_url` holds the addresses a meeting server
hands over (WebSocket, TURN/STUN, media server) to the same rules, so that a server cannot send
the client to another host. Both are pure: no I/O, no Qt.

Every front end decides through `decide_link`: the window asks its question, and
`decide_unattended` is the same decision for a front end with no one to ask (`join
--headless`), where a question becomes a refusal. Both trust the built-in server's host
(`EMBEDDED_SERVER_HOST`) as if it had been joined before, and neither trusts it when the policy
forbids unknown servers.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from visio_desktop.core.errors import LinkError
from visio_desktop.core.links import MeetingLink, check_server_url, is_host_allowed, parse_link
from visio_desktop.core.policy import Policy, server_host

__all__ = [
    "EMBEDDED_SERVER_HOST",
    "LinkDecision",
    "LinkOutcome",
    "check_server_supplied_url",
    "decide_link",
    "decide_unattended",
]

EMBEDDED_SERVER_HOST = "127.0.0.1"  # where the built-in server always listens (a free port)

_PLACEHOLDER_ROOM = "aaa-aaaa-aaa"


class LinkOutcome(enum.Enum):
    ALLOW = "allow"  # open the pre-join screen
    ASK = "ask"  # ask first, showing `shown_host`; camera and microphone start off
    REFUSE = "refuse"  # show `message`; there is no way to go on


@dataclass(frozen=True, slots=True)
class LinkDecision:
    outcome: LinkOutcome
    link: MeetingLink
    shown_host: str  # host[:port] as the user must see it: ASCII, punycode for IDN labels
    message: str  # the question (ASK) or the refusal (REFUSE); "" for ALLOW
    media_on: bool  # whether camera and microphone may start on in the pre-join screen
    # For a front end that words the refusal itself (in the user's language):
    allowed_hosts: tuple[str, ...] = ()  # REFUSE: the hosts and patterns the policy allows
    policy_unreadable: bool = False  # REFUSE: because the policy could not be read


def decide_link(link: MeetingLink, policy: Policy, known_hosts: Iterable[str]) -> LinkDecision:
    """Whether a meeting link may open: hosts the policy names are allowed; other hosts are
    refused when unknown servers are forbidden, allowed when the user accepted them before
    (`known_hosts`, exact names), and otherwise asked about."""
    shown = link.server_base_url.split("://", 1)[1]
    if policy.allows_host(link.host):
        return LinkDecision(LinkOutcome.ALLOW, link, shown, "", media_on=True)
    if not policy.allow_unknown_servers:
        names = tuple(n for n in (*policy.allowed_servers, server_host(policy.default_server)) if n)
        unreadable = "allowed_servers" in policy.invalid and not policy.allowed_servers
        if unreadable:
            why = "this computer's meeting policy could not be read"
        elif names:
            why = f"this computer only allows meetings on {', '.join(names)}"
        else:
            why = "this computer's policy allows no meeting server"
        message = f"This meeting is on {shown}, and {why}. Ask your IT department."
        return LinkDecision(
            LinkOutcome.REFUSE,
            link,
            shown,
            message,
            media_on=False,
            allowed_hosts=() if unreadable else names,
            policy_unreadable=unreadable,
        )
    if any(is_host_allowed(link.host, [known]) for known in known_hosts if "*" not in known):
        return LinkDecision(LinkOutcome.ALLOW, link, shown, "", media_on=True)
    message = (
        f"This meeting is on {shown}, a server you have not used before. Join only if you "
        "trust it; your camera and microphone will start off."
    )
    return LinkDecision(LinkOutcome.ASK, link, shown, message, media_on=False)


def decide_unattended(
    link: MeetingLink, policy: Policy, known_hosts: Iterable[str] = ()
) -> LinkDecision:
    """`decide_link` for a front end without a window: what the window would ask about is
    refused, since nobody can answer; the built-in server's host counts as known, as there."""
    decision = decide_link(link, policy, (*known_hosts, EMBEDDED_SERVER_HOST))
    if decision.outcome is not LinkOutcome.ASK:
        return decision
    message = (
        f"This meeting is on {decision.shown_host}, a server you have not used before, and "
        "without a window there is no one to ask whether to trust it. Join it once in the "
        "window, or ask your IT department to allow it in the policy."
    )
    return dataclasses.replace(decision, outcome=LinkOutcome.REFUSE, message=message)


def check_server_supplied_url(url: str, link: MeetingLink, policy: Policy) -> None:
    """Raise `LinkError` unless a URL the meeting server handed over (WebSocket, TURN/STUN,
    media server) may be used: wss/https/turn(s)/stun(s) (ws and http only for a server on this
    computer), no userinfo or odd characters, and on the link's own host, or on another host
    that the policy itself names. A user's "known" hosts or `allow_unknown_servers` never let a
    server send the client elsewhere."""
    schemes = {"wss", "https", "turn", "turns", "stun", "stuns"}
    if link.is_loopback:
        schemes |= {"ws", "http"}
    host = _url_host(url, schemes)
    check_server_url(url, host, schemes)
    if host != link.host and not is_host_allowed(host, policy.allowed_servers):
        raise LinkError(f"The server sent an address on another host ({host}); refused.")


def _url_host(url: str, schemes: set[str]) -> str:
    """The normalised host of a server-supplied URL, with the meeting-link rules for hosts."""
    scheme, colon, rest = url.partition(":")
    if not colon or scheme.lower() not in schemes:
        check_server_url(url, "invalid.invalid", schemes)  # raises, naming the scheme
        raise LinkError("The server sent an address with an unsupported scheme.")
    if rest.startswith("//"):
        rest = rest[2:]
    elif scheme.lower() not in ("turn", "turns", "stun", "stuns"):
        raise LinkError(f"The server sent a “{scheme}:” address with no “//” and no host.")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return parse_link(f"https://{authority}/{_PLACEHOLDER_ROOM}").host
