"""One log line when the database goes away and one when it is back, however many
requests fail in between."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import exc as sa_exc

from api.storage.db import DatabaseStatus, is_unavailable


def test_one_line_each_way(caplog: pytest.LogCaptureFixture) -> None:
    status = DatabaseStatus()
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
