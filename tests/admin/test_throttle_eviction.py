"""The per-address login throttle stays bounded without forgetting who is locked out.

Before, a full table was emptied at once, so failing from many addresses reset the
attacker's own lockout. Only time is replaced (a settable clock).
"""

from __future__ import annotations

from spectrum_rpc.admin.users import Throttle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def lock_out(throttle: Throttle, address: str) -> None:
    for _ in range(throttle.free + 1):
        throttle.failed(address)


def test_a_flood_of_addresses_does_not_lift_a_lockout():
    clock = FakeClock()
    throttle = Throttle(clock, free=2, max_entries=3)
    lock_out(throttle, "198.51.100.7")
    assert throttle.retry_after("198.51.100.7") > 0

    for i in range(50):  # many more addresses than the table holds, one failure each
        clock.now += 0.01
        throttle.failed(f"203.0.113.{i}")
        assert len(throttle) <= 3

    assert throttle.retry_after("198.51.100.7") > 0


def test_the_oldest_entries_are_evicted_first():
    clock = FakeClock()
    throttle = Throttle(clock, free=2, max_entries=3)
    for name in ("a", "b", "c"):
        clock.now += 1
        throttle.failed(name)
    clock.now += 1
    throttle.failed("a")  # a failed again: now the youngest
    clock.now += 1
    throttle.failed("d")  # the table is full: b goes

    assert sorted(throttle.addresses()) == ["a", "c", "d"]
    throttle.failed("a")  # a's count survived: this is its third failure
    lock = throttle.retry_after("a")
    assert lock > 0


def test_a_lockout_is_forgotten_once_it_has_expired_and_the_table_is_full():
    clock = FakeClock()
    throttle = Throttle(clock, free=1, base=10, max_entries=2)
    lock_out(throttle, "x")
    clock.now += 3600  # long after x's lockout ended
    throttle.failed("y")
    throttle.failed("z")
    assert sorted(throttle.addresses()) == ["y", "z"]
    assert throttle.retry_after("x") == 0
