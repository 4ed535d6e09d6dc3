"""A transfer's cost in plain words: against the route's average and the SDG 10.c 5 % limit.

Pure: the caller brings the cost and the route's average (the World Bank's published RPW
average); no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from api.domain.aggregates import SDG_CORRIDOR_MAX_PCT


def N_(msgid: str) -> str:
    """Marks a text the pages translate (web/i18n_tool.py extracts this module)."""
    return msgid


class Level(StrEnum):
    AT_OR_BELOW_AVERAGE = "at_or_below_average"
    ABOVE_AVERAGE = "above_average"  # above the average, at most twice it
    EXPENSIVE = "expensive"  # more than twice the average
    NO_AVERAGE = "no_average"  # the route has no published average


@dataclass(frozen=True)
class Verdict:
    level: Level
    above_limit: bool  # total cost above the 5 % of SDG 10.c
    times_average: Decimal | None  # cost / average, 1 decimal


def judge(total_cost_pct: Decimal, average_pct: Decimal | None) -> Verdict:
    above_limit = total_cost_pct > SDG_CORRIDOR_MAX_PCT
    if average_pct is None or average_pct <= 0:
        return Verdict(Level.NO_AVERAGE, above_limit, None)
    times = (total_cost_pct / average_pct).quantize(Decimal("0.1"))
    if total_cost_pct <= average_pct:
        level = Level.AT_OR_BELOW_AVERAGE
    elif total_cost_pct <= 2 * average_pct:
        level = Level.ABOVE_AVERAGE
    else:
        level = Level.EXPENSIVE
    return Verdict(level, above_limit, times)


# The verdict in plain English: the API's `verdict_text`, and the msgids the pages translate
# (web/i18n_tool.py extracts this module).
WORDS: dict[tuple[Level, bool], str] = {
    (Level.AT_OR_BELOW_AVERAGE, False): N_(
        "Good value: not more than the average on this route, and within the 5% limit."
    ),
    (Level.AT_OR_BELOW_AVERAGE, True): N_(
        "Not more than the average on this route, but above the 5% limit."
    ),
    (Level.ABOVE_AVERAGE, False): N_("Above the average on this route, but within the 5% limit."),
    (Level.ABOVE_AVERAGE, True): N_(
        "Expensive: above the average on this route and above the 5% limit."
    ),
    (Level.EXPENSIVE, False): N_(
        "Expensive: more than twice the average on this route, though within the 5% limit."
    ),
    (Level.EXPENSIVE, True): N_(
        "Expensive: more than twice the average on this route and above the 5% limit."
    ),
    (Level.NO_AVERAGE, False): N_("Within the 5% limit."),
    (Level.NO_AVERAGE, True): N_("Expensive: above the 5% limit."),
}


def words(verdict: Verdict) -> str:
    return WORDS[(verdict.level, verdict.above_limit)]


# What a doubt the sender overruled ("my figures are right") usually means. `rate_far`
# splits by direction: far below the reference rate, or far above it.
WARNINGS = {
    "rate_far_below": N_(
        "Your family received %(pct)s less than the money was worth at the reference rate. "
        "A loss this large usually means the money went through an informal channel "
        "(hawala), was paid out in another currency than you think, or a large fee was "
        "taken at pickup. Ask the provider for a receipt that shows the rate and every fee."
    ),
    "rate_far_above": N_(
        "Your family received far more than the money was worth at the reference rate. "
        "Check the currency of the amount received and the date of the transfer."
    ),
    "above_reference": N_(
        "Your family received more than the money was worth at the reference rate. A "
        "promotion or a bonus paid in the destination country can do this; otherwise check "
        "the currency and the date."
    ),
}


def warning_key(reason: str | None, total_cost_pct: Decimal) -> str | None:
    if reason is None:
        return None
    if reason == "rate_far":
        return "rate_far_below" if total_cost_pct > 0 else "rate_far_above"
    return "above_reference"
