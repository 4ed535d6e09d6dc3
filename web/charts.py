"""Server-rendered SVG geometry for the trends pages (no JavaScript): the corridor chart and
the overview's sparklines. Pure layout: values in, coordinates out; the numbers themselves
come from api.services (never computed here).

The x axis is time (each period at its first day); in right-to-left languages it runs from
right to left, like the text. The y axis is total cost in percent, always including 0 and
the SDG lines at 3 % and 5 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from api.domain.periods import period_start

WIDTH, HEIGHT = 640, 300
PAD_START, PAD_END, PAD_TOP, PAD_BOTTOM = 40, 40, 16, 40
TARGETS = (Decimal(3), Decimal(5))
GAP_DAYS = 400


@dataclass(frozen=True)
class Point:
    period: str
    value: Decimal
    x: float
    y: float
    label: str  # the formatted value, exactly as the table shows it


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def segments(self) -> list[str]:
        """The line broken where more than a year passes without a point (the World Bank's
        history stops in 2020 and resumes in 2025: no line is drawn across the gap)."""
        out: list[list[Point]] = []
        for p in self.points:
            if out and (period_start(p.period) - period_start(out[-1][-1].period)).days <= GAP_DAYS:
                out[-1].append(p)
            else:
                out.append([p])
        return [" ".join(f"{p.x:.1f},{p.y:.1f}" for p in seg) for seg in out if len(seg) > 1]


@dataclass(frozen=True)
class Tick:
    text: str
    pos: float


@dataclass(frozen=True)
class Chart:
    lines: tuple[Line, ...]
    targets: tuple[tuple[Decimal, float], ...]  # (percent, y)
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    y_min: Decimal
    y_max: Decimal
    rtl: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PAD_START
    right: int = WIDTH - PAD_END
    top: int = PAD_TOP
    bottom: int = HEIGHT - PAD_BOTTOM

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)


def _nice_max(value: Decimal) -> Decimal:
    for step in (Decimal(6), Decimal(8), Decimal(10), Decimal(12), Decimal(15), Decimal(20)):
        if value <= step:
            return step
    return (value / 10).to_integral_value(rounding="ROUND_CEILING") * 10


def build_chart(
    series: Sequence[tuple[str, str, Sequence[tuple[str, Decimal, str]]]],
    *,
    rtl: bool,
    tick_label: dict[int, str] | None = None,
) -> Chart:
    """`series`: (key, label, [(period, value, formatted value)]). Returns the geometry."""
    days = [period_start(p).toordinal() for _, _, pts in series for p, _, _ in pts]
    values = [v for _, _, pts in series for _, v, _ in pts]
    y_min = min([Decimal(0), *values]).to_integral_value(rounding="ROUND_FLOOR")
    y_max = _nice_max(max([Decimal(5), *values]))
    x0, x1 = (min(days), max(days)) if days else (0, 1)
    if x0 == x1:
        x0, x1 = x0 - 45, x1 + 45
    left, right = PAD_START, WIDTH - PAD_END
    top, bottom = PAD_TOP, HEIGHT - PAD_BOTTOM

    def x_of(day: int) -> float:
        share = (day - x0) / (x1 - x0)
        if rtl:
            share = 1 - share
        return left + share * (right - left)

    def y_of(value: Decimal) -> float:
        share = float((value - y_min) / (y_max - y_min))
        return bottom - share * (bottom - top)

    lines = tuple(
        Line(
            key,
            label,
            tuple(
                Point(p, v, x_of(period_start(p).toordinal()), y_of(v), text)
                for p, v, text in sorted(pts, key=lambda t: period_start(t[0]))
            ),
        )
        for key, label, pts in series
    )
    step = Decimal(1) if y_max - y_min <= 8 else Decimal(2) if y_max - y_min <= 16 else Decimal(5)
    y_ticks = []
    tick = y_min
    while tick <= y_max:
        y_ticks.append(Tick(str(tick), y_of(tick)))
        tick += step
    years = sorted({period_start(p).year for _, _, pts in series for p, _, _ in pts})
    every = max(1, (len(years) + 5) // 6)
    from datetime import date

    x_ticks = tuple(
        Tick((tick_label or {}).get(y, str(y)), x_of(date(y, 1, 1).toordinal()))
        for y in years[::every]
        if x0 <= date(y, 1, 1).toordinal() <= x1
    )
    return Chart(
        lines=lines,
        targets=tuple((t, y_of(t)) for t in TARGETS),
        y_ticks=tuple(y_ticks),
        x_ticks=x_ticks,
        y_min=y_min,
        y_max=y_max,
        rtl=rtl,
    )


@dataclass(frozen=True)
class Sparkline:
    path: str
    last: tuple[float, float] | None
    width: int
    height: int
    target_y: float | None


def sparkline(
    values: Sequence[Decimal], *, rtl: bool, width: int = 72, height: int = 22
) -> Sparkline:
    """A tiny line of a corridor's recent averages (oldest first), with the 3 % level."""
    if not values:
        return Sparkline("", None, width, height, None)
    low = min([Decimal(0), *values])
    high = max([Decimal(5), *values])
    pad = 2.0

    def xy(i: int, v: Decimal) -> tuple[float, float]:
        share = i / (len(values) - 1) if len(values) > 1 else 0.5
        if rtl:
            share = 1 - share
        x = pad + share * (width - 2 * pad)
        y = height - pad - float((v - low) / (high - low)) * (height - 2 * pad)
        return x, y

    pts = [xy(i, v) for i, v in enumerate(values)]
    target = height - pad - float((Decimal(3) - low) / (high - low)) * (height - 2 * pad)
    return Sparkline(" ".join(f"{x:.1f},{y:.1f}" for x, y in pts), pts[-1], width, height, target)
