"""A comparison from a kept segment of amounts (api/services/segments.py `compare_kept`) is
`compare()`'s, to the digit, and the compare API's answer from it (api/http/segments.py) is
byte for byte `compare_json(compare(...))`'s: on every corridor, in both fee modes, with each payout
filter, at amounts on, just off and between the ladders' points and fees, and at times on
both sides of each offer's next hour of age and of its staleness limit, in an order that
goes back and forth, so that kept segments are asked again at other amounts and times."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from api.domain.ranking import FeesMode
from api.http.present import compare_json
from api.http.segments import segment_json
from api.services.compare import BOOK, CompareRequest, compare, corridor_version
from api.services.segments import GUARD, compare_kept
from api.settings import get_settings
from api.storage.models import Corridor
from api.storage.pricebook import LIVE

PAYOUTS = ("any", "bank", "cash", "wallet", "home")
CENT = Decimal("0.01")


def _amounts(points: list[tuple[Decimal, Decimal]], rnd: random.Random) -> list[Decimal]:
    """The ladders' edges (a point, the point plus its fee, a cent either side) and some
    amounts between them."""
    edges = set()
    for amount, fee in points:
        for a in (amount, amount + fee):
            edges |= {a, a - CENT, a + CENT}
    chosen = rnd.sample(sorted(edges), min(len(edges), 10))
    chosen += [Decimal(rnd.randint(1, 500_000)) / 100 for _ in range(4)]
    return [a.normalize() for a in chosen if a > 0]


def _times(now: datetime, collected: list[datetime], limits: list[timedelta]) -> list[datetime]:
    """`now`, and moments either side of the next hour of age of an offer and of its
    staleness limit (inside and outside the guard the segments keep)."""
    out = [now]
    for c in collected[:3]:
        hour = c + ((now - c) // timedelta(hours=1) + 1) * timedelta(hours=1)
        out += [hour - GUARD / 2, hour, hour + GUARD * 2]
        for limit in limits:
            out += [c + limit - GUARD / 2, c + limit, c + limit + GUARD / 2]
    return [t for t in out if t >= now]


def test_a_kept_segment_answers_compare_jsons_bytes(session: Session, demo_now: datetime) -> None:
    assert get_settings().price_book  # as shipped: the segments are kept with the book
    rnd = random.Random(2612)
    corridors = session.exec(select(Corridor)).all()
    assert len(corridors) >= 30
    answered = reused = from_kept = 0
    for corridor in corridors:
        src, dst = corridor.from_country, corridor.to_country
        version = corridor_version(session, src, dst)
        compare(session, CompareRequest(src, dst, Decimal(100)), demo_now, version)
        book = BOOK.get(session, corridor.code, True, version)
        books = [sb for group in book.services.values() for sb in group]
        points = [(p.send_amount, p.fee) for sb in books for p in sb.points]
        collected = sorted({p.collected_at for sb in books for p in sb.points}, reverse=True)
        limits = [timedelta(hours=min(corridor.fresh_hours, corridor.expiry_hours))]
        if any(key[1] == LIVE for key in book.services):
            limits.append(timedelta(hours=corridor.expiry_hours))
        times = _times(demo_now, collected, limits)
        for amount in _amounts(points, rnd):
            fees = rnd.choice(list(FeesMode))
            payout = rnd.choice(PAYOUTS) if rnd.random() < 0.3 else "any"
            for now in rnd.sample(times, min(len(times), 4)):
                req = CompareRequest(src, dst, amount, payout=payout, fees=fees)
                asked = (corridor.code, str(amount), fees.value, payout, now.isoformat())
                kept = len(book.memo)
                fast = segment_json(session, req, now, version)
                reused += len(book.memo) == kept
                full = compare(session, req, now, version)
                assert fast == compare_json(req, full, now), asked
                from_segment = compare_kept(session, req, now, version)
                assert from_segment == full, asked
                # to the digit (Decimal("1.0") == Decimal("1.00"), but a page may show both)
                assert repr(from_segment) == repr(full), asked
                if from_segment.kept is not None:  # the segment's token and offers' places
                    _token, places = from_segment.kept
                    assert len(places) == len(full.quotes) + len(full.survey), asked
                    from_kept += 1
                answered += 1
    assert answered > 1000
    assert reused > answered / 3  # most answers came from a segment already kept
    assert from_kept > answered / 5  # and compare_kept answered from one
