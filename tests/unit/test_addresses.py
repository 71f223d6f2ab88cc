"""`rtc.addresses.AddressWatch`: a change of this machine's addresses is reported once, when
it has settled; the same set, a flap, an empty set or a failed reading is no change."""

from __future__ import annotations

from collections.abc import Collection

from visio_desktop.rtc.addresses import AddressWatch, gatherable_addresses

WIFI = ("192.168.1.20", "2a01:db8::20")
CABLE = ("10.0.0.7",)


class Readings:
    """An address source the test sets; `fail` makes the next readings raise OSError."""

    def __init__(self, *now: str) -> None:
        self.now: Collection[str] = now
        self.fail = False
        self.count = 0

    def __call__(self) -> Collection[str]:
        self.count += 1
        if self.fail:
            raise OSError("getifaddrs failed")
        return self.now


def test_the_same_addresses_are_no_change() -> None:
    source = Readings(*WIFI)
    watch = AddressWatch(source)
    assert [watch.check() for _ in range(20)] == [None] * 20
    assert watch.current == frozenset(WIFI)
    source.now = tuple(reversed(WIFI))  # the order of the interfaces means nothing
    assert [watch.check() for _ in range(5)] == [None] * 5


def test_a_change_is_reported_once_when_it_has_settled() -> None:
    source = Readings(*WIFI)
    watch = AddressWatch(source, settle_checks=2)
    source.now = (*WIFI, *CABLE)  # the cable comes up
    assert watch.check() is None  # seen once: it may still move
    assert watch.check() == frozenset((*WIFI, *CABLE))
    assert [watch.check() for _ in range(10)] == [None] * 10
    source.now = CABLE  # then the Wi-Fi goes
    assert [watch.check() for _ in range(3)] == [None, frozenset(CABLE), None]


def test_a_set_that_keeps_moving_is_reported_when_it_stops() -> None:
    source = Readings(*WIFI)
    watch = AddressWatch(source, settle_checks=2)
    found = []
    for now in (CABLE, (*CABLE, "10.0.0.8"), CABLE, ("10.0.0.8",), ("10.0.0.8",), ("10.0.0.8",)):
        source.now = now
        found.append(watch.check())
    assert found == [None, None, None, None, frozenset({"10.0.0.8"}), None]


def test_a_flap_an_empty_set_and_failed_readings_are_no_change() -> None:
    source = Readings(*WIFI)
    watch = AddressWatch(source, settle_checks=2)
    source.now = CABLE
    assert watch.check() is None
    source.now = WIFI  # back before settling
    assert [watch.check() for _ in range(3)] == [None] * 3
    source.now = ()  # between two networks: nothing to connect over yet
    assert [watch.check() for _ in range(3)] == [None] * 3
    source.fail = True
    assert [watch.check() for _ in range(3)] == [None] * 3
    assert watch.current == frozenset(WIFI)
    source.fail, source.now = False, CABLE
    assert [watch.check() for _ in range(2)] == [None, frozenset(CABLE)]


def test_one_reading_is_enough_when_asked() -> None:
    source = Readings(*WIFI)
    watch = AddressWatch(source, settle_checks=1)
    source.now = CABLE
    assert watch.check() == frozenset(CABLE)


def test_the_real_source_reads_what_ice_would_gather() -> None:
    addresses = gatherable_addresses()
    assert "127.0.0.1" not in addresses and "::1" not in addresses
    assert AddressWatch(gatherable_addresses).check() is None  # nothing moved meanwhile
