"""One log line when the database goes away and one when it is back, however many
requests fail in between."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import exc as sa_exc

from api.storage.db import DatabaseStatus, is_unavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


ERROR = sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused\nmore"))


def test_a_connection_the_server_then_ends_is_not_a_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server shutting down accepts a last connection, then ends it: that is no
    recovery, or the outage would be logged twice."""
    clock = Clock()
    status = DatabaseStatus(settle_s=1.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="remit.db"):
        status.went_down(ERROR)
        clock.now += 0.2
        status.connected()
        clock.now += 0.5
        status.went_down(ERROR)  # that connection was ended
        clock.now += 5
        status.answered()  # a checkout without a new connection since proves nothing
    assert status.down
    assert messages(caplog) == ["database unreachable: connection refused"]


def test_a_recovery_within_the_settling_time_is_still_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The CI failure of round 2: the server was back within a second of the failure,
    and the recovery was never logged."""
    clock = Clock()
    status = DatabaseStatus(settle_s=1.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="remit.db"):
        status.went_down(ERROR)
        clock.now += 0.3
        status.connected()  # back already
        clock.now += 0.5
        status.answered()  # not settled yet
        assert status.down
        clock.now += 0.6
        status.answered()
    assert not status.down
    assert messages(caplog) == [
        "database unreachable: connection refused",
        "database reachable again after 0.3 s",
    ]


def test_one_line_each_way(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    status = DatabaseStatus(settle_s=1.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="remit.db"):
        status.connected()  # up already: nothing to say
        status.answered()
        for _ in range(50):
            status.went_down(ERROR)
            clock.now += 0.1
        assert status.down
        for _ in range(50):
            status.connected()
            status.answered()
            clock.now += 0.1
    assert not status.down
    lines = messages(caplog)
    assert lines == [
        "database unreachable: connection refused",
        "database reachable again after 5.0 s",
    ]


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (sa_exc.OperationalError("x", {}, Exception("connection refused")), True),
        (sa_exc.OperationalError("x", {}, Exception("database is locked")), True),
        (sa_exc.OperationalError("x", {}, Exception("no such table: quote")), False),
        (sa_exc.IntegrityError("x", {}, Exception("UNIQUE constraint failed")), False),
        (sa_exc.TimeoutError("QueuePool limit reached"), True),
        (ValueError("not a database error"), False),
    ],
)
def test_what_counts_as_the_database_being_unavailable(
    error: BaseException, unavailable: bool
) -> None:
    assert is_unavailable(error) is unavailable
