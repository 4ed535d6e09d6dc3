"""One log line when the database goes away and one when it is back, however many
requests fail in between."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import exc as sa_exc

from api.storage.db import DatabaseStatus, is_unavailable


def test_a_connection_just_after_the_failure_is_not_a_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server shutting down accepts a last connection: that is no recovery, or the
    outage would be logged twice."""
    status = DatabaseStatus(min_down_s=60)
    error = sa_exc.OperationalError("SELECT 1", {}, Exception("terminating connection"))
    with caplog.at_level(logging.INFO, logger="remit.db"):
        status.went_down(error)
        status.came_back()
        status.went_down(error)
    assert status.down
    assert [r.getMessage() for r in caplog.records] == [
        "database unreachable: terminating connection"
    ]


def test_one_line_each_way(caplog: pytest.LogCaptureFixture) -> None:
    status = DatabaseStatus(min_down_s=0)
    error = sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused\nmore"))
    with caplog.at_level(logging.INFO, logger="remit.db"):
        status.came_back()  # up already: nothing to say
        for _ in range(50):
            status.went_down(error)
        assert status.down
        for _ in range(50):
            status.came_back()
    assert not status.down
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "database unreachable: connection refused"
    assert lines[1].startswith("database reachable again after ")
    assert len(lines) == 2


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
