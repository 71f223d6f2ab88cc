"""When a client tries to rejoin: quick, jittered attempts while the outage is young, then the
backoff, then it gives up."""

from __future__ import annotations

import random

from visio_desktop.engine.options import ReconnectPolicy


def test_a_young_outage_is_retried_quickly_and_out_of_step() -> None:
    policy = ReconnectPolicy(delays=(1.0, 2.0), quick_for=5.0, quick_every=0.25)
    pauses = list(policy.pauses(random.Random(1)))
    quick, backoff = pauses[:-2], pauses[-2:]
    assert backoff == [1.0, 2.0]
    assert all(0.125 <= pause <= 0.375 for pause in quick)
    assert 5.0 <= sum(quick) < 5.0 + 0.375  # the quick phase lasts what it says
    assert len(set(quick)) > len(quick) // 2  # jittered, not in step with other clients
    other = list(policy.pauses(random.Random(2)))[:-2]
    assert other != quick


def test_without_a_quick_phase_only_the_backoff_remains() -> None:
    assert list(ReconnectPolicy(delays=(0.5, 4.0), quick_for=0.0).pauses()) == [0.5, 4.0]


def test_the_default_gives_up_after_about_a_minute_and_a_half() -> None:
    total = sum(ReconnectPolicy().pauses(random.Random(0)))
    assert 70 < total < 90
