import datetime
import random
from types import SimpleNamespace

import pytest

from claims.timeline import Cell, CellKey, CountedLink, CountedRow, TimeScale, counted_layout, timeline_layout
from sources.dates import period_end


def speaker(pk, side="us_government"):
    return SimpleNamespace(
        pk=pk,
        name=f"Speaker {pk}",
        slug=f"speaker-{pk}",
        side=side,
        get_absolute_url=lambda: f"/speakers/speaker-{pk}/",
    )


def claim(pk, who, day, precision="day", earliest=None):
    """A claim-like object with what the layout reads."""
    return SimpleNamespace(
        pk=pk,
        speaker=who,
        said_on=day,
        said_on_precision=precision,
        said_earliest=earliest,
        summary=f"Claim {pk}",
        said_on_display=str(day),
        get_absolute_url=lambda: f"/claims/{pk}/",
    )


def test_no_claims_is_an_empty_layout():
    """Nothing to draw gives an empty layout, not an error."""
    assert timeline_layout([], []).is_empty


def test_rows_are_grouped_by_side_in_the_debate_order():
    """US government first, then TikTok/ByteDance, then independent; a heading above each group."""
    tiktok, state, lab = speaker(1, "tiktok_bytedance"), speaker(2), speaker(3, "independent")
    claims = [
        claim(1, lab, datetime.date(2020, 1, 5)),
        claim(2, tiktok, datetime.date(2020, 2, 5)),
        claim(3, state, datetime.date(2020, 3, 5)),
    ]
    layout = timeline_layout(claims, [])
    assert [label.label for label in layout.labels] == [
        "US government",
        "Speaker 2",
        "TikTok / ByteDance",
        "Speaker 1",
        "Independent and others",
        "Speaker 3",
    ]


def test_close_claims_share_a_counted_mark_linking_to_the_filtered_list():
    """Two claims a day apart by one speaker become one mark "2" opening those claims."""
    who = speaker(1)
    claims = [
        claim(1, who, datetime.date(2020, 8, 2)),
        claim(2, who, datetime.date(2020, 8, 3)),
        claim(3, who, datetime.date(2021, 6, 1)),
    ]
    layout = timeline_layout(claims, [])
    counts = sorted(mark.count for mark in layout.marks)
    assert counts == [1, 2]
    grouped = next(mark for mark in layout.marks if mark.count == 2)
    assert grouped.href == "/claims/?speaker=speaker-1&said_from=2020-08-02&said_to=2020-08-03"
    single = next(mark for mark in layout.marks if mark.count == 1)
    assert single.href == "/claims/3/"


def test_rebuttals_are_drawn_between_the_marks_of_both_claims():
    """A rebuttal becomes a curve; one whose claim is not drawn is left out."""
    a, b = speaker(1), speaker(2, "tiktok_bytedance")
    claims = [claim(1, a, datetime.date(2020, 8, 2)), claim(2, b, datetime.date(2020, 8, 20))]
    layout = timeline_layout(claims, [(2, 1, "denies"), (2, 99, "disputes")])
    assert [link.relation for link in layout.links] == ["denies"]
    assert layout.links[0].path.startswith("M ")


def test_month_claims_sit_mid_month_with_a_bar_across_it():
    """A claim known to the month is placed mid-month and shows its period."""
    who = speaker(1)
    layout = timeline_layout([claim(1, who, datetime.date(2020, 7, 1), "month")], [])
    mark = layout.marks[0]
    assert mark.period_start_x < mark.x < mark.period_end_x
    assert mark.shows_period


def test_a_range_spans_its_days_and_an_open_range_sits_on_its_latest_day():
    """Between 1 July and 13 August: a bar across those days; 'by 13 August': a mark on 13 August."""
    who = speaker(1)
    between = claim(1, who, datetime.date(2020, 8, 13), "range", earliest=datetime.date(2020, 7, 1))
    by = claim(2, speaker(2), datetime.date(2020, 8, 13), "range")
    on_the_day = claim(3, speaker(3), datetime.date(2020, 8, 13))
    marks = {mark.claims[0].pk: mark for mark in timeline_layout([between, by, on_the_day], []).marks}
    assert marks[1].shows_period and marks[1].period_start_x < marks[3].x < marks[1].period_end_x
    assert not marks[2].shows_period and marks[2].x == marks[3].x


def test_busy_months_are_wider_than_empty_ones_and_time_runs_forwards():
    """The scale widens months with claims and never runs backwards."""
    who = speaker(1)
    scale = TimeScale.for_claims([claim(1, who, datetime.date(2020, 8, 2))], 0, 1000)
    august = scale.x(datetime.date(2020, 9, 1)) - scale.x(datetime.date(2020, 8, 1))
    march = scale.x(datetime.date(2020, 4, 1)) - scale.x(datetime.date(2020, 3, 1))
    assert august == pytest.approx(8 * march)
    days = [datetime.date(2020, 1, 1) + datetime.timedelta(days=n) for n in range(366)]
    xs = [scale.x(day) for day in days]
    assert xs == sorted(xs) and xs[0] == 0 and scale.x(datetime.date(2021, 1, 1)) == 1000


def test_many_claims_stay_a_bounded_number_of_marks():
    """5,000 claims by one speaker draw at most one mark per minimum gap across the plot."""
    who, other = speaker(1), speaker(2, "independent")
    rng = random.Random(4)
    claims = [
        claim(
            n,
            who if n % 2 else other,
            datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(1000)),
        )
        for n in range(5000)
    ]
    rebuttals = [(n, n + 1, "denies") for n in range(0, 4998, 2)]
    layout = timeline_layout(claims, rebuttals)
    plot_width = layout.plot_right - layout.plot_left
    assert sum(mark.count for mark in layout.marks) == 5000
    assert len(layout.marks) <= 2 * (plot_width / 20 + 1)
    assert len(layout.links) == 400 and layout.hidden_links > 0
    assert layout.links[0].count >= layout.links[-1].count


def test_counted_bars_span_their_month_or_their_whole_year_and_fit_their_row():
    """A year-dated count spans its year, not January; bars grow with the count within the row."""
    row = CountedRow(1, "Speaker 1", "/speakers/speaker-1/", "us_government", [("speaker", "speaker-1")])
    cells = [
        Cell(1, datetime.date(2020, 8, 1), datetime.date(2020, 8, 31), 900),
        Cell(1, datetime.date(2020, 9, 1), datetime.date(2020, 9, 30), 9),
        Cell(1, datetime.date(2021, 1, 1), datetime.date(2021, 12, 31), 12),
    ]
    layout = counted_layout([row], cells, [], row_height=26)
    year, august, september = layout.marks
    assert year.label == "12 claims by Speaker 1, dated only to the year 2021" and year.bar.year_only
    year_line = next(tick.x for tick in layout.ticks if tick.label == "2021")
    assert float(year.bar.x) == pytest.approx(year_line + 0.5, abs=0.1)
    assert float(year.bar.x) + float(year.bar.width) == pytest.approx(layout.plot_right - 0.5, abs=0.1)
    assert float(september.bar.height) < float(august.bar.height) <= 20
    assert august.href == "/claims/?speaker=speaker-1&said_from=2020-08-01&said_to=2020-08-31"
    assert layout.counted_claims == 921


def test_counted_links_stop_at_the_limit_and_say_how_many_were_left_out():
    """Only max_links curves are drawn; the rest, fetched or not, are counted as left out."""
    rows = [
        CountedRow(1, "A", "/a/", "us_government", []),
        CountedRow(2, "B", "/b/", "tiktok_bytedance", []),
    ]
    months = [datetime.date(2020, month, 1) for month in range(1, 7)]
    cells = [Cell(key, month, period_end(month, "month"), 1) for key in (1, 2) for month in months]
    links = [
        CountedLink(
            CellKey(1, month, period_end(month, "month")),
            CellKey(2, month, period_end(month, "month")),
            {"denies": 6 - n},
            6 - n,
        )
        for n, month in enumerate(months)
    ]
    layout = counted_layout(rows, cells, links, left_out=10, max_links=4)
    assert len(layout.links) == 4 and layout.hidden_links == 12
    assert layout.links[0].label.startswith("6 rebuttals: 1 claim by A, January 2020 — denies — ")
