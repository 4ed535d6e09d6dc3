"""The compare API's answer from its amount's segment (api/services/segments.py): what the
lean path (api/http/lean.py) writes.

A segment's first answer is written as always (`compare_json`); what its other amounts
share is kept in the segment's memo: each offer's JSON template (its figures left out) and
the answer around its offers. Another amount in the segment then costs the segment's
arithmetic (`ranked`) and each offer's six figures written into its template.
tests/core/test_segments.py compares the bytes with `compare_json(compare(...))`'s.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api.domain.money import minor_unit
from api.http.present import (
    amount_figures,
    answer_around,
    answer_bytes,
    compare_json,
    filled,
    offer_template,
)
from api.services.compare import CompareRequest, CompareResult
from api.services.segments import Found, KeptOffer, ranked, segment_for


def segment_json(session: Session, req: CompareRequest, now: datetime, version: str) -> bytes:
    """`compare_json(req, compare(session, req, now, version), now)`, from the kept segment
    when the request has one."""
    got = segment_for(session, req, now, version)
    if isinstance(got, CompareResult):
        return compare_json(req, got, now)
    segment, found = got
    around = segment.memo.get("json")
    if around is None:
        around = segment.memo["json"] = answer_around(req, segment.first)
    live = _offers(segment.live, found, req, now)
    return answer_bytes(req, around, live, _offers(segment.survey, found, req, now))


def _offers(kept: tuple[KeptOffer, ...], found: Found, req: CompareRequest, now: datetime) -> bytes:
    written = []
    for o, a, fee, cost in ranked(kept, found, req):
        json = o.memo.get("json")
        if json is None:  # the template, and the minor units of the offer's currencies
            quote = o.first.quote
            units = (minor_unit(quote.send_currency), minor_unit(quote.receive_currency))
            json = o.memo["json"] = (offer_template(o.first, now), *units)
        template, send, receive = json
        written.append(filled(template, amount_figures(a, fee, cost, send, receive)))
    return b",".join(written)
