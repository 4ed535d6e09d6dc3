"""`/methodology`: how costs are computed (RPW definitions), where the data comes from, how
fresh it is, what we do not know, and whether the prices shown are sample data."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.http.deps import SessionDep
from web.data import any_sample, corridor_index
from web.render import PageDep, render

router = APIRouter(include_in_schema=False)


@router.api_route("/methodology", methods=["GET", "HEAD"])
def methodology(page: PageDep, session: SessionDep) -> Response:
    corridors = list(corridor_index(session).corridors.values())
    fresh = max((c.fresh_hours for c in corridors), default=48)
    expiry = max((c.expiry_hours for c in corridors), default=336)
    return render(
        page,
        "methodology.html",
        {
            "sample": any_sample(session),
            "fresh": page.fmt.duration_hours(fresh),
            "expiry": page.fmt.duration_hours(expiry),
        },
    )
