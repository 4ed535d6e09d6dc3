"""Provider price feed (CSV/JSON) parsing and row-by-row validation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.ingestion.formats.feed import (
    FEED_FIELDS,
    PAYIN_METHODS,
    PAYOUT_METHODS,
    SPEEDS,
    FeedRow,
    RejectedRow,
    detect_format,
    parse_feed,
    write_feed_csv,
    write_feed_json,
)
from scrapers.parsers import ParseError

HEADER = ",".join(FEED_FIELDS)
GOOD = (
    "acme-remit,GB,PK,GBP,PKR,200,2.99,352.1045,0,cash,card,minutes,false,2025-07-01T14:30:00+05:00"
)
GOOD_MINIMAL = "bank_two,AE,BD,AED,BDT,500.00,0,32.5,,bank,,next_day,,2025-07-01T09:00:00Z"


def csv_feed(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def good_record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = dict(zip(FEED_FIELDS, GOOD.split(","), strict=True))
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


# -- valid feeds ------------------------------------------------------------------------


def test_csv_rows_parse_exactly() -> None:
    result = parse_feed(csv_feed(GOOD, GOOD_MINIMAL), filename="feed.csv")
    assert result.format == "csv"
    assert result.rejected == [] and result.warnings == []
    first, second = result.rows
    assert first == FeedRow(
        provider="acme-remit",
        from_country="GB",
        to_country="PK",
        send_currency="GBP",
        receive_currency="PKR",
        send_amount=Decimal("200"),
        fee=Decimal("2.99"),
        rate=Decimal("352.1045"),
        payout_method="cash",
        payin_method="card",
        speed="minutes",
        promotional=False,
        captured_at=datetime(2025, 7, 1, 9, 30, tzinfo=UTC),  # +05:00 normalised to UTC
        receive_fee=Decimal("0"),
    )
    assert first.line == 2 and second.line == 3
    assert first.captured_at.tzinfo is UTC
    assert str(second.send_amount) == "500.00"  # exact text, trailing zeros kept
    assert second.receive_fee == 0 and second.payin_method is None
    assert second.promotional is False


def test_bom_and_crlf_are_accepted() -> None:
    content = b"\xef\xbb\xbf" + csv_feed(GOOD, GOOD_MINIMAL).replace(b"\n", b"\r\n")
    result = parse_feed(content, filename="feed.csv")
    assert len(result.rows) == 2 and result.rejected == []
    assert result.rows[0].provider == "acme-remit"  # no BOM glued to the first column
    assert result.rows[1].line == 3


def test_header_is_case_insensitive_and_order_free() -> None:
    fields = list(reversed(FEED_FIELDS))
    values = list(reversed(GOOD.split(",")))
    header = ",".join(name.upper() for name in fields)
    result = parse_feed(csv_feed(",".join(values), header=header), filename="feed.csv")
    assert result.rejected == []
    assert result.rows[0].rate == Decimal("352.1045")


def test_json_numbers_and_strings_are_exact() -> None:
    records = [
        good_record(),
        good_record(send_amount=500, fee=0.1, rate="278.90", promotional=True, payin_method=None),
    ]
    text = json.dumps(records)
    assert '"fee": 0.1' in text  # a JSON number, read from its text
    result = parse_feed(text.encode(), filename="feed.json")
    assert result.format == "json" and result.rejected == []
    second = result.rows[1]
    assert second.fee == Decimal("0.1") and str(second.fee) == "0.1"  # not 0.1000000000000000055
    assert str(second.rate) == "278.90"
    assert second.promotional is True and second.payin_method is None


def test_optional_fields_may_be_left_out_of_json() -> None:
    record = good_record(receive_fee=None, payin_method=None, promotional=None)
    result = parse_feed(json.dumps([record]).encode(), filename="feed.json")
    (row,) = result.rows
    assert row.receive_fee == Decimal(0)
    assert row.payin_method is None and row.promotional is False


def test_receive_fee_and_case_normalisation() -> None:
    line = "acme-remit,gb,pk,gbp,pkr,200,2.99,352.1,150,Wallet,Bank,Same_Day,TRUE,2025-07-01T00:00Z"
    (row,) = parse_feed(csv_feed(line), filename="f.csv").rows
    assert (row.from_country, row.send_currency) == ("GB", "GBP")
    assert row.receive_fee == Decimal("150")
    assert (row.payout_method, row.payin_method, row.speed) == ("wallet", "bank", "same_day")
    assert row.promotional is True


def test_empty_json_array() -> None:
    result = parse_feed(b"  [ ]\n", filename="feed.json")
    assert result.rows == [] and result.rejected == []


# -- format detection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"[]", "feed.csv", "csv"),
        (b"provider,from", "feed.JSON", "json"),
        (b"\xef\xbb\xbf  [{}]", "upload", "json"),
        (b'{"rows": []}', "upload.txt", "json"),
        (b"provider,from", "upload.txt", "csv"),
    ],
)
def test_detect_format(content: bytes, filename: str, expected: str) -> None:
    assert detect_format(content, filename=filename) == expected


def test_json_content_detected_without_extension() -> None:
    result = parse_feed(json.dumps([good_record()]).encode(), filename="upload")
    assert result.format == "json" and len(result.rows) == 1


# -- row rejections -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("send_amount", "0", "must be positive"),
        ("send_amount", "-200", "must be positive"),
        ("rate", "0", "must be positive"),
        ("fee", "-1.00", "must not be negative"),
        ("receive_fee", "-5", "must not be negative"),
        ("send_currency", "GB", "ISO 4217"),
        ("receive_currency", "PK1", "ISO 4217"),
        ("from", "GBR", "ISO 3166"),
        ("payout_method", "pigeon", "unknown payout method 'pigeon'"),
        ("payin_method", "crypto", "unknown pay-in method"),
        ("speed", "fast", "unknown speed"),
        ("captured_at", "2025-07-01T14:30:00", "missing timezone"),
        ("captured_at", "2025-07-01", "missing timezone"),
        ("captured_at", "yesterday", "not an ISO-8601"),
        ("send_amount", "abc", "not a number"),
        ("fee", "1,50", "not a number"),
        ("rate", "3.5e2", "not a number"),
        ("rate", "NaN", "not a number"),
        ("provider", "Big Bank!", "provider slug"),
        ("promotional", "maybe", "expected true or false"),
        ("fee", "", "required"),
        ("to", "GB", "must differ from 'from'"),
    ],
)
def test_bad_field_is_rejected_by_name(field: str, value: str, reason: str) -> None:
    record = good_record(**{field: value})
    line = ",".join(f'"{record.get(name, "")}"' for name in FEED_FIELDS)
    result = parse_feed(csv_feed(GOOD, line, GOOD_MINIMAL), filename="feed.csv")
    assert [r.line for r in result.rows] == [2, 4]
    assert len(result.rejected) == 1
    rejected = result.rejected[0]
    assert (rejected.line, rejected.field) == (3, field)
    assert reason in rejected.reason


def test_every_problem_in_a_row_is_reported() -> None:
    record = good_record(fee="-1", rate="x", payout_method="drone")
    line = ",".join(str(record[name]) for name in FEED_FIELDS)
    result = parse_feed(csv_feed(line), filename="feed.csv")
    assert result.rows == []
    assert [(r.line, r.field) for r in result.rejected] == [
        (2, "fee"),
        (2, "rate"),
        (2, "payout_method"),
    ]
    assert result.rejected_lines == [2]


def test_wrong_number_of_fields_is_rejected() -> None:
    result = parse_feed(csv_feed(GOOD + ",extra", GOOD_MINIMAL), filename="feed.csv")
    assert result.rejected == [RejectedRow(2, "row", "expected 14 fields, found 15")]
    assert len(result.rows) == 1


def test_duplicate_row_is_rejected() -> None:
    result = parse_feed(csv_feed(GOOD, GOOD_MINIMAL, GOOD), filename="feed.csv")
    assert len(result.rows) == 2
    assert result.rejected == [RejectedRow(4, "row", "duplicate of line 2")]


def test_quoted_multiline_cell_keeps_line_numbers() -> None:
    quoted = GOOD.replace("acme-remit", '"acme\nremit"')
    result = parse_feed(csv_feed(quoted, GOOD_MINIMAL, "x"), filename="feed.csv")
    assert [(r.line, r.field) for r in result.rejected] == [(2, "provider"), (5, "row")]
    assert result.rows[0].line == 4


def test_json_rejections_carry_the_line_of_the_object() -> None:
    records = [good_record(), good_record(fee="-2"), "not an object", good_record(rate=True)]
    text = json.dumps(records, indent=2)
    result = parse_feed(text.encode(), filename="feed.json")
    lines = text.splitlines()
    starts = [i + 1 for i, s in enumerate(lines) if s in ("  {", '  "not an object",')]
    assert len(starts) == 4
    assert [r.line for r in result.rows] == [starts[0]]
    assert result.rejected == [
        RejectedRow(starts[1], "fee", "must not be negative, got -2"),
        RejectedRow(starts[2], "row", "expected a JSON object"),
        RejectedRow(starts[3], "rate", "expected a number, got true/false"),
    ]


def test_json_text_field_given_a_number() -> None:
    result = parse_feed(json.dumps([good_record(to=12)]).encode(), filename="f.json")
    assert result.rejected == [RejectedRow(1, "to", "expected text, got a number")]


def test_unknown_columns_are_reported_as_warnings() -> None:
    result = parse_feed(csv_feed(GOOD + ",hello", header=HEADER + ",notes"), filename="f.csv")
    assert len(result.rows) == 1
    assert result.warnings == ["unknown field 'notes' ignored"]


# -- whole-file errors ---------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["rate", "captured_at", "from"])
def test_missing_required_column_raises_naming_it(missing: str) -> None:
    header = ",".join(name for name in FEED_FIELDS if name != missing)
    with pytest.raises(ParseError, match=f"missing required column.*{missing}"):
        parse_feed(csv_feed(header=header), filename="feed.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"provider,\xff\xfe", "not UTF-8"),
        (b'{"rows": []}', "array of objects"),
        (b'[{"provider": "a"},\n {"provider": }]', "line 2, column 15"),
        (b'[{"provider": "a"}] []', "extra data"),
        (b'[{"fee": NaN}]', "NaN"),
        (b'[{"fee": 1} {"fee": 2}]', "expected ',' or ']'"),
    ],
)
def test_unreadable_feeds_raise(content: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed(content, filename="upload")


def test_repeated_csv_column_raises() -> None:
    with pytest.raises(ParseError, match="repeats column"):
        parse_feed(csv_feed(header=HEADER + ",fee"), filename="feed.csv")


# -- round trip (property) ---------------------------------------------------------------------

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def decimals(min_units: int) -> st.SearchStrategy[Decimal]:
    return st.builds(
        lambda units, places: Decimal(units).scaleb(-places),
        st.integers(min_value=min_units, max_value=10**12),
        st.integers(min_value=0, max_value=8),
    )


countries = st.text(alphabet=UPPER, min_size=2, max_size=2)
currencies = st.text(alphabet=UPPER, min_size=3, max_size=3)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


# The strategies a row draws from, made once: built inside `feed_rows` they were made and
# validated again for every row drawn (most of these tests' time), for the same draws.
providers = st.from_regex(r"[a-z0-9]{1,20}(?:[-_][a-z0-9]{1,10}){0,3}", fullmatch=True)
positive, non_negative = decimals(1), decimals(0)
payouts, payins = st.sampled_from(PAYOUT_METHODS), st.none() | st.sampled_from(PAYIN_METHODS)
speeds = st.sampled_from(SPEEDS)


@st.composite
def feed_rows(draw: st.DrawFn) -> FeedRow:
    from_country = draw(countries)
    return FeedRow(
        provider=draw(providers),
        from_country=from_country,
        to_country=draw(countries.filter(lambda c: c != from_country)),
        send_currency=draw(currencies),
        receive_currency=draw(currencies),
        send_amount=draw(positive),
        fee=draw(non_negative),
        rate=draw(positive),
        receive_fee=draw(non_negative),
        payout_method=draw(payouts),
        payin_method=draw(payins),
        speed=draw(speeds),
        promotional=draw(st.booleans()),
        captured_at=draw(moments),
    )


def assert_exact(parsed: list[FeedRow], original: list[FeedRow]) -> None:
    assert parsed == original
    for got, want in zip(parsed, original, strict=True):
        for name in ("send_amount", "fee", "rate", "receive_fee"):
            assert str(getattr(got, name)) == str(getattr(want, name))
        assert got.captured_at.tzinfo is UTC


def dedup_key(row: FeedRow) -> tuple[object, ...]:
    return (
        row.provider, row.from_country, row.to_country, row.send_currency,
        row.receive_currency, row.send_amount, row.payout_method, row.payin_method,
        row.speed, row.captured_at,
    )  # fmt: skip


def unique(rows: list[FeedRow]) -> list[FeedRow]:
    seen: set[tuple[object, ...]] = set()
    kept = []
    for row in rows:
        if dedup_key(row) not in seen:
            seen.add(dedup_key(row))
            kept.append(row)
    return kept


@settings(max_examples=200, deadline=None)
@given(st.lists(feed_rows(), min_size=1, max_size=5).map(unique))
def test_valid_rows_round_trip_through_csv(rows: list[FeedRow]) -> None:
    result = parse_feed(write_feed_csv(rows), filename="feed.csv")
    assert result.rejected == []
    assert_exact(result.rows, rows)
    assert [r.line for r in result.rows] == list(range(2, len(rows) + 2))


@settings(max_examples=100, deadline=None)
@given(st.lists(feed_rows(), min_size=1, max_size=5).map(unique))
def test_valid_rows_round_trip_through_json(rows: list[FeedRow]) -> None:
    result = parse_feed(write_feed_json(rows), filename="feed.json")
    assert result.rejected == []
    assert_exact(result.rows, rows)


def test_offsets_other_than_utc_are_normalised() -> None:
    tz = timezone(timedelta(hours=-3, minutes=-30))
    line = GOOD.replace("2025-07-01T14:30:00+05:00", "2025-07-01T06:00:00.123456-03:30")
    (row,) = parse_feed(csv_feed(line), filename="f.csv").rows
    assert row.captured_at == datetime(2025, 7, 1, 6, 0, 0, 123456, tzinfo=tz)
    assert row.captured_at.tzinfo is UTC


# -- the documented examples stay valid ---------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "feed-format.md"


@pytest.mark.parametrize(("kind", "count"), [("csv", 3), ("json", 2)])
def test_documented_examples_parse(kind: str, count: int) -> None:
    blocks = re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    result = parse_feed(blocks[0].encode(), filename=f"example.{kind}")
    assert result.rejected == [] and result.warnings == []
    assert len(result.rows) == count
