"""The summary tables stay equal to a recount after every kind of write (claims/tallies.py)."""

import datetime
import io
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from claims import tallies
from claims.models import (
    Claim,
    ClaimType,
    Rebuttal,
    RebuttalRelation,
    RebuttedTally,
    Side,
    Speaker,
    SpeakerKind,
    SpeakerMonthTally,
    SpeakerTally,
    TopicMonthTally,
)
from claims.tests.admin_pages import form_data
from claims.tests.factories import ClaimFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from claims.tests.test_api import token_client, user_with
from sources.dates import PartialDate
from tiktok_claims.tests.test_concurrency import PAUSE_SECONDS, committed, race, run_together

pytestmark = pytest.mark.django_db


def assert_exact():
    assert tallies.differences() == {}


def claims_of(speaker):
    return sum(SpeakerTally.objects.filter(speaker_id=speaker.pk).values_list("claims", flat=True))


@pytest.fixture
def debate():
    """Two speakers on two sides, three claims, two rebuttals; one claim dated only to a year."""
    government = SpeakerFactory(side=Side.US_GOVERNMENT)
    company = SpeakerFactory(side=Side.TIKTOK_BYTEDANCE)
    allegation = ClaimFactory(speaker=government, said_on=datetime.date(2020, 8, 12))
    yearly = ClaimFactory(speaker=government, said_on=datetime.date(2021, 1, 1), said_on_precision="year")
    denial = ClaimFactory(speaker=company, claim_type=ClaimType.DENIAL, said_on=datetime.date(2020, 9, 1))
    RebuttalFactory(rebutting_claim=denial, rebutted_claim=allegation)
    RebuttalFactory(rebutting_claim=denial, rebutted_claim=yearly, relation=RebuttalRelation.DISPUTES)
    return government, company, allegation, yearly, denial


def test_saves_keep_every_tally_equal_to_a_recount(debate):
    """Creating claims and rebuttals through the ORM counts them at once."""
    government, company, allegation, yearly, denial = debate
    assert claims_of(government) == 2 and claims_of(company) == 1
    assert RebuttedTally.objects.get(claim_id=allegation.pk).rebuttals == 1
    month = SpeakerMonthTally.objects.get(speaker_id=government.pk, year_only=True)
    assert (month.month, month.claims) == (datetime.date(2021, 1, 1), 1)
    assert_exact()


def test_a_claim_moving_speaker_type_and_date_moves_its_counts_and_links(debate):
    """queryset.update() of speaker, type, date and precision: claims and rebuttal links move."""
    government, company, allegation, yearly, denial = debate
    other = SpeakerFactory(side=Side.INDEPENDENT)
    Claim.objects.filter(pk=allegation.pk).update(speaker=other)
    assert_exact()
    Claim.objects.filter(pk=denial.pk).update(
        claim_type=ClaimType.ADMISSION, said_on=datetime.date(2022, 3, 4)
    )
    assert_exact()
    Claim.objects.filter(pk=yearly.pk).update(said_on_precision="month")
    assert_exact()
    assert claims_of(other) == 1 and claims_of(government) == 1


def test_a_speaker_changing_side_moves_its_claims_and_links(debate):
    """The side tallies and the links follow a speaker to another side."""
    government, company, *_ = debate
    company.side = Side.INDEPENDENT
    company.save()
    assert_exact()


def test_deletes_and_bulk_writes_keep_the_tallies_exact(debate):
    """bulk_create, rebuttal edits and deletes, claim deletes."""
    government, company, allegation, yearly, denial = debate
    Claim.objects.bulk_create(
        [
            Claim(
                key=f"bulk-{n}",
                speaker=company,
                summary="Bulk.",
                claim_type="denial",
                said_on=datetime.date(2020, 9, n + 1),
            )
            for n in range(3)
        ]
    )
    assert_exact()
    later = ClaimFactory(speaker=government, said_on=datetime.date(2023, 5, 6))
    Rebuttal.objects.filter(rebutted_claim=yearly).update(rebutted_claim=later, relation="qualifies")
    assert_exact()
    Rebuttal.objects.all().delete()
    Claim.objects.filter(pk=yearly.pk).delete()
    assert_exact()
    assert RebuttedTally.objects.get(claim_id=allegation.pk).rebuttals == 0
    assert claims_of(government) == 2


def on_topic(topic, **filters):
    """The topic tally's count for one topic (and filters of its key)."""
    return sum(TopicMonthTally.objects.filter(topic_id=topic.pk, **filters).values_list("claims", flat=True))


@pytest.fixture
def topical(debate):
    """The debate's claims on two topics: the allegation and the denial on one, all three on the other."""
    government, company, allegation, yearly, denial = debate
    storage, access = TopicFactory(), TopicFactory()
    allegation.topics.add(storage, access)
    denial.topics.add(storage, access)
    yearly.topics.add(access)
    return debate, storage, access


def test_topic_links_are_counted_by_topic_side_type_and_month(topical):
    """Adding, removing and setting a claim's topics, as the admin and the API do (m2m writes)."""
    (government, company, allegation, yearly, denial), storage, access = topical
    assert on_topic(storage) == 2 and on_topic(access) == 3
    assert on_topic(storage, side=Side.US_GOVERNMENT) == 1
    assert on_topic(access, year_only=True) == 1
    assert_exact()
    allegation.topics.remove(storage)
    yearly.topics.set([storage])
    assert on_topic(storage) == 2 and on_topic(access) == 2
    assert_exact()
    denial.topics.clear()
    assert on_topic(storage) == 1
    assert_exact()


def test_a_claim_or_speaker_moving_moves_its_topic_counts(topical):
    """A claim's speaker, type, date and precision, and a speaker's side, carry its topic links."""
    (government, company, allegation, yearly, denial), storage, access = topical
    Claim.objects.filter(pk=allegation.pk).update(speaker=company, claim_type=ClaimType.ADMISSION)
    assert on_topic(storage, side=Side.TIKTOK_BYTEDANCE) == 2
    assert_exact()
    Claim.objects.filter(pk=yearly.pk).update(said_on=datetime.date(2022, 1, 1))
    Claim.objects.filter(pk=denial.pk).update(said_on_precision="month")
    assert_exact()
    company.side = Side.INDEPENDENT
    company.save()
    assert (
        on_topic(storage, side=Side.INDEPENDENT) == 2 and on_topic(storage, side=Side.TIKTOK_BYTEDANCE) == 0
    )
    assert_exact()


def test_deleting_claims_and_topics_takes_their_links_out_once(topical):
    """The ORM removes a claim's links before it; raw SQL may remove the claim first (its foreign
    keys are checked when the transaction ends): either way each link is subtracted once."""
    (government, company, allegation, yearly, denial), storage, access = topical
    Rebuttal.objects.all().delete()
    allegation.delete()
    assert on_topic(access) == 2
    assert_exact()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM claims_claim WHERE id = %s", [denial.pk])
        assert on_topic(access) == 1 and on_topic(storage) == 0
        cursor.execute("DELETE FROM claims_claim_topics WHERE claim_id = %s", [denial.pk])
    assert on_topic(access) == 1
    assert_exact()
    access.delete()
    assert on_topic(access) == 0
    assert_exact()


def test_a_link_written_before_its_claim_or_speaker_is_counted_when_they_come(topical):
    """Within a transaction raw SQL or a fixture may write a link before its claim, or a claim
    before its speaker (the foreign keys are checked at the end): each row adds what it completes."""
    (government, company, allegation, yearly, denial), storage, access = topical
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM claims_claim")
        claim_id = cursor.fetchone()[0] + 1
        cursor.execute("SELECT MAX(id) FROM claims_speaker")
        speaker_id = cursor.fetchone()[0] + 1
        cursor.execute(
            "INSERT INTO claims_claim_topics (claim_id, topic_id) VALUES (%s, %s)", [claim_id, storage.pk]
        )
        cursor.execute(
            "INSERT INTO claims_claim (id, key, speaker_id, summary, claim_type, said_on, said_on_precision,"
            " dating_note, venue, note, version) SELECT %s, 'written-late', %s, summary, claim_type, said_on,"
            " said_on_precision, dating_note, venue, note, 1 FROM claims_claim WHERE id = %s",
            [claim_id, speaker_id, allegation.pk],
        )
        cursor.execute(
            "INSERT INTO claims_rebuttal (rebutting_claim_id, rebutted_claim_id, relation, note, version)"
            " VALUES (%s, %s, 'denies', '', 1)",
            [claim_id, yearly.pk],
        )
        assert on_topic(storage) == 2  # its speaker is not there yet
        cursor.execute(
            "INSERT INTO claims_speaker (id, name, slug, kind, role, is_anonymous, side, wikidata_id,"
            " version) SELECT %s, 'Written late', 'written-late', kind, role, is_anonymous, 'independent',"
            " wikidata_id, 1 FROM claims_speaker WHERE id = %s",
            [speaker_id, government.pk],
        )
        assert on_topic(storage) == 3 and on_topic(storage, side=Side.INDEPENDENT) == 1
        assert_exact()
        # Deleted and written again with its links still there: out, then in again.
        cursor.execute("DELETE FROM claims_claim WHERE id = %s", [allegation.pk])
        assert on_topic(storage) == 2
        cursor.execute(
            "INSERT INTO claims_claim (id, key, speaker_id, summary, claim_type, said_on, said_on_precision,"
            " dating_note, venue, note, version) SELECT %s, %s, speaker_id, summary, claim_type, said_on,"
            " said_on_precision, dating_note, venue, note, 1 FROM claims_claim WHERE id = %s",
            [allegation.pk, allegation.key, denial.pk],
        )
        assert_exact()
        cursor.execute("DELETE FROM claims_speaker WHERE id = %s", [speaker_id])
        assert on_topic(storage, side=Side.INDEPENDENT) == 0
        assert_exact()
        cursor.execute("DELETE FROM claims_rebuttal WHERE rebutting_claim_id = %s", [claim_id])
        cursor.execute("DELETE FROM claims_claim_topics WHERE claim_id = %s", [claim_id])
        cursor.execute("DELETE FROM claims_claim WHERE id = %s", [claim_id])
    assert_exact()


def test_a_rebuttal_written_before_its_claims_or_left_after_them_is_counted_once(debate):
    """Raw SQL in one transaction: a rebuttal before the claim it rebuts, a claim deleted before
    its rebuttals; the link tally counts each rebuttal while both its claims are there."""
    government, company, allegation, yearly, denial = debate
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM claims_claim")
        claim_id = cursor.fetchone()[0] + 1
        cursor.execute(
            "INSERT INTO claims_rebuttal (rebutting_claim_id, rebutted_claim_id, relation, note, version)"
            " VALUES (%s, %s, 'denies', '', 1)",
            [claim_id, allegation.pk],
        )
        cursor.execute(
            "INSERT INTO claims_claim (id, key, speaker_id, summary, claim_type, said_on, said_on_precision,"
            " dating_note, venue, note, version) SELECT %s, 'written-late', speaker_id, summary, claim_type,"
            " said_on, said_on_precision, dating_note, venue, note, 1 FROM claims_claim WHERE id = %s",
            [claim_id, denial.pk],
        )
        assert_exact()
        cursor.execute("DELETE FROM claims_claim WHERE id IN (%s, %s)", [claim_id, denial.pk])
        assert_exact()
        cursor.execute(
            "DELETE FROM claims_rebuttal WHERE rebutting_claim_id IN (%s, %s)", [claim_id, denial.pk]
        )
    assert_exact()


@race
@committed
def test_a_claim_saved_while_its_speaker_is_renamed_does_not_deadlock():
    """A rename's search trigger locks all the speaker's claims; a claim's save holding its row
    must not then wait on the speaker's row (a deadlock: one of the two would get a 409). Share
    locks on the speaker's row, tried to close the races in docs/data-model.md, did this."""
    speaker = SpeakerFactory(side=Side.US_GOVERNMENT, name="Before")
    claim = ClaimFactory(speaker=speaker, claim_type=ClaimType.ALLEGATION)
    held = threading.Event()

    def save_claim():
        with transaction.atomic():
            Claim.objects.select_for_update().get(pk=claim.pk)  # as the admin and the API do
            held.set()
            time.sleep(PAUSE_SECONDS)  # the rename waits on this claim meanwhile
            Claim.objects.filter(pk=claim.pk).update(claim_type=ClaimType.DENIAL)
            claim.topics.add(TopicFactory())

    def rename_speaker():
        held.wait(timeout=10)
        Speaker.objects.filter(pk=speaker.pk).update(name="After")

    run_together(save_claim, rename_speaker)
    assert_exact()
    assert Speaker.objects.get(pk=speaker.pk).name == "After"


def test_an_admin_edit_moves_the_counts(debate, admin_client):
    """A curator changing a claim's speaker in the admin."""
    government, company, allegation, *_ = debate
    url = reverse("admin:claims_claim_change", args=[allegation.pk])
    data = form_data(admin_client.get(url))
    data["speaker"] = str(company.pk)
    assert admin_client.post(url, data).status_code == 302
    assert claims_of(company) == 2
    assert_exact()


def test_an_api_write_moves_the_counts(debate):
    """A PATCH of a claim's type through the API."""
    government, company, allegation, *_ = debate
    client = token_client(user_with("change_claim"))
    response = client.patch(f"/api/claims/{allegation.pk}/", {"claim_type": "statistic"}, format="json")
    assert response.status_code == 200, response.content
    assert SpeakerTally.objects.get(speaker_id=government.pk, claim_type="statistic").claims == 1
    assert_exact()


def test_an_admin_delete_and_history_restore_count_the_claim_out_and_in(admin_client):
    """A claim deleted in the admin and restored from its history page."""
    claim = ClaimFactory()
    pk = claim.pk
    admin_client.post(reverse("admin:claims_claim_delete", args=[pk]), {"post": "yes"})
    assert claims_of(claim.speaker) == 0
    assert_exact()
    last = Claim.history.filter(id=pk).exclude(history_type="-").order_by("-history_date").first()
    url = reverse("admin:claims_claim_simple_history", args=[pk, last.history_id])
    assert admin_client.post(url, form_data(admin_client.get(url))).status_code == 302
    assert claims_of(claim.speaker) == 1
    assert_exact()


def test_loaddata_counts_what_it_loads(tmp_path):
    """Claims and rebuttals loaded from a fixture are counted."""
    RebuttalFactory()
    path = tmp_path / "dump.json"
    call_command(
        "dumpdata", "claims.speaker", "claims.claim", "claims.rebuttal", output=str(path), verbosity=0
    )
    Rebuttal.objects.all().delete()
    Claim.objects.all().delete()
    assert tallies.differences() == {} and not SpeakerTally.objects.filter(claims__gt=0).exists()
    call_command("loaddata", str(path), verbosity=0)
    assert Claim.objects.count() == 2
    assert_exact()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flush_leaves_empty_tallies_so_the_next_load_counts_right(tmp_path, monkeypatch):
    """`flush` (as transactional tests and a curator starting over use it), then a load: exact.

    flush empties the tables in the order of a set of names (it changes with PYTHONHASHSEED): here
    the summary tables first, the order in which the claims' delete triggers left negative counts.
    """
    RebuttalFactory()
    path = tmp_path / "dump.json"
    call_command(
        "dumpdata", "claims.speaker", "claims.claim", "claims.rebuttal", output=str(path), verbosity=0
    )
    table_names = connection.introspection.django_table_names

    def summary_tables_first(*arguments, **options):
        return sorted(table_names(*arguments, **options), key=lambda name: name not in tallies.TABLES)

    monkeypatch.setattr(connection.introspection, "django_table_names", summary_tables_first)
    call_command("flush", interactive=False, verbosity=0)
    assert not SpeakerTally.objects.exclude(claims=0).exists()
    call_command("loaddata", str(path), verbosity=0)
    assert Claim.objects.count() == 2
    assert_exact()


def test_the_command_checks_and_rebuilds(debate):
    """`tallies --check` fails on a wrong count; `tallies` counts again."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_tally_speakers SET claims = claims + 5")
    with pytest.raises(CommandError, match="differ"):
        call_command("tallies", check=True, stdout=io.StringIO())
    call_command("tallies", stdout=io.StringIO())
    out = io.StringIO()
    call_command("tallies", check=True, stdout=out)
    assert "match a recount" in out.getvalue()


@pytest.fixture
def crowd(monkeypatch):
    """Six speakers on three sides, claims over months and years, rebuttals among them; two rows."""
    monkeypatch.setattr("claims.timeline.queries.MAX_SPEAKER_ROWS", 2)
    monkeypatch.setattr("claims.timeline.tallied.MAX_SPEAKER_ROWS", 2)
    speakers = [SpeakerFactory(side=side) for side in Side.values for _ in range(2)]
    claims = []
    for n in range(40):
        precision = "year" if n % 7 == 0 else "day"
        said_on = datetime.date(
            2019 + n % 3, 1 if precision == "year" else 1 + n % 12, 1 if precision == "year" else 5
        )
        claims.append(
            ClaimFactory(
                speaker=speakers[(n * n) % 6],
                claim_type=ClaimType.DENIAL if n % 3 else ClaimType.ALLEGATION,
                said_on=said_on,
                said_on_precision=precision,
            )
        )
    for n in range(1, 40):
        RebuttalFactory(
            rebutting_claim=claims[n],
            rebutted_claim=claims[(n * 7) % n],
            relation=RebuttalRelation.values[n % 4],
        )
    return speakers


def comparable(counted):
    return (
        [(row.key, row.label, row.href, row.claim_filter, row.by) for row in counted.rows],
        sorted((cell.row, cell.first, cell.last, cell.count) for cell in counted.cells),
        sorted(counted.links),
        counted.left_out,
    )


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"side": ["us_government"]},
        {"side": ["us_government", "independent"], "claim_type": ["denial"]},
        {"claim_type": ["allegation"]},
        {"speaker": "first-three"},
    ],
)
@pytest.mark.parametrize("rows_by", ["speaker", "side"])
def test_the_tables_draw_what_counting_the_claims_draws(crowd, query, rows_by):
    """Rows, bars and curves read from the summary tables equal those counted from the claims."""
    from django.http import QueryDict

    from claims.filters import ClaimFilterSet
    from claims.timeline import TallyFilter, count_claims
    from claims.timeline.tallied import count_tallied

    data = QueryDict(mutable=True)
    for name, values in query.items():
        if values == "first-three":
            values = [speaker.slug for speaker in crowd[:3]]
        data.setlist(name, values)
    filterset = ClaimFilterSet(data, queryset=Claim.objects.all())
    tally_filter = TallyFilter.from_filterset(filterset)
    assert tally_filter is not None
    pairs = [(name, value) for name, values in data.lists() for value in values]
    expected = count_claims(filterset.qs.order_by(), rows_by, pairs)
    assert comparable(count_tallied(tally_filter, filterset.qs, rows_by, pairs)) == comparable(expected)


def test_a_search_is_not_answered_by_the_tables():
    """Filters the timeline's tables cannot answer (a search, dates) keep its path through the claims.

    (A list's count answers dates of whole months: test_whole_month_dates_... below.)
    """
    from django.http import QueryDict

    from claims.filters import ClaimFilterSet
    from claims.timeline import TallyFilter

    for query in ("q=data", "said_from=2020", "side=us_government&topic=x"):
        assert (
            TallyFilter.from_filterset(ClaimFilterSet(QueryDict(query), queryset=Claim.objects.all())) is None
        )


@pytest.fixture
def dated():
    """Claims of every precision on the edges of months and years, ranges open and closed; two
    topics (slugs storage and access), on some claims each, on some both; three speakers, two
    of them people."""
    topics = [TopicFactory(slug="storage"), TopicFactory(slug="access")]
    speakers = [
        SpeakerFactory(side=side, kind=kind)
        for side, kind in (
            (Side.US_GOVERNMENT, SpeakerKind.PERSON),
            (Side.US_GOVERNMENT, SpeakerKind.GOVERNMENT_BODY),
            (Side.INDEPENDENT, SpeakerKind.PERSON),
        )
    ]
    day = datetime.date
    dates = [
        (day(2019, 12, 31), "day", None),
        (day(2020, 1, 1), "day", None),
        (day(2020, 2, 29), "day", None),
        (day(2020, 3, 1), "month", None),
        (day(2020, 1, 1), "year", None),
        (day(2021, 1, 1), "year", None),
        (day(2020, 6, 30), "range", None),  # open: said on or before 30 June 2020
        (day(2020, 6, 30), "range", day(2020, 5, 1)),
        (day(2021, 2, 10), "range", day(2020, 3, 15)),  # ends after March 2020, may be said in it
        (day(2021, 2, 10), "range", day(2021, 1, 20)),
        (day(2022, 7, 4), "range", None),
    ]
    for number, (said_on, precision, earliest) in enumerate(dates * 2):
        claim = ClaimFactory(
            speaker=speakers[number % 3],
            claim_type=ClaimType.DENIAL if number % 2 else ClaimType.ALLEGATION,
            said_on=said_on,
            said_on_precision=precision,
            said_earliest=earliest,
        )
        claim.topics.add(*[topic for n, topic in enumerate(topics) if number % (n + 2)])
    return speakers


DATES = ["", "2019", "2020", "2020-02", "2020-03", "2020-06", "2021", "2021-02", "2022"]


@pytest.mark.parametrize(
    "others",
    [
        "",
        "claim_type=denial",
        "side=us_government",
        "speaker=first",
        "topic=storage",
        "topic=access&side=us_government&side=independent",
        "topic=storage&claim_type=denial&side=us_government",
    ],
)
def test_whole_month_dates_are_counted_from_the_tables_as_the_list_filters_them(dated, others):
    """Every pair of whole-month or whole-year dates: the tables' count is the claims' count."""
    from django.http import QueryDict

    from claims.listing import ClaimListing

    others = others.replace("first", dated[0].slug)
    for said_from in DATES:
        for said_to in DATES:
            query = "&".join(
                part for part in (others, f"said_from={said_from}", f"said_to={said_to}") if part
            )
            listing = ClaimListing(QueryDict(query))
            tallied = listing.tallied_count()
            if said_from and said_to and PartialDate(said_from).first > PartialDate(said_to).last:
                assert tallied is None, query  # a start after the end is left to the claims
                continue
            assert tallied is not None, query
            assert tallied == listing.filterset.qs.count(), query


def test_dates_within_a_month_or_backwards_are_counted_from_the_claims(dated):
    from django.http import QueryDict

    from claims.listing import ClaimListing

    for query in ("said_from=2020-02-15", "said_to=2020-06-29", "said_from=2021&said_to=2020-06"):
        assert ClaimListing(QueryDict(query)).tallied_count() is None, query


def test_two_topics_or_a_topic_and_a_speaker_are_counted_from_the_claims(dated):
    """A claim on both topics would be summed twice, and the topic tally is by side, not speaker."""
    from django.http import QueryDict

    from claims.listing import ClaimListing

    for query in ("topic=storage&topic=access", f"topic=storage&speaker={dated[0].slug}"):
        listing = ClaimListing(QueryDict(query))
        assert listing.tallied_count() is None and listing.count().number == listing.filterset.qs.count()


@pytest.mark.parametrize("top", [30, 1])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "side=us_government",
        "claim_type=denial&side=independent&side=us_government",
        "speaker=first",
        "speaker=third",  # (not among the busiest: shown first all the same)
        "speaker=first&speaker=third&claim_type=allegation",
        "topic=storage",
        "topic=access&side=independent&claim_type=denial",
        "speaker_kind=person",
    ],
)
def test_facets_from_the_tables_equal_facets_counted_from_the_claims(dated, query, top, monkeypatch):
    """Each facet the summary tables count gives the claims' counts; the others are left to the claims."""
    from django.http import QueryDict

    from claims import facets
    from claims.filters import ClaimFilterSet
    from claims.timeline.tallied import FacetTallies

    monkeypatch.setattr(facets, "FACET_TOP", top)
    query = query.replace("first", dated[0].slug).replace("third", dated[2].slug)
    filterset = ClaimFilterSet(QueryDict(query), queryset=Claim.objects.all())
    assert filterset.is_valid(), filterset.errors
    tallies, answered = FacetTallies(), set()
    for name, description in filterset.descriptions.items():
        if description.facet is None or description.facet.tallied is None:
            continue
        tallied = facets._tallied(filterset, name, tallies)
        if tallied is None:
            continue
        answered.add(name)
        rows, more = facets._counter(filterset, name, None)()
        assert (sorted(tallied[0]), tallied[1]) == (sorted(rows), more), (name, query)
    # What the tables can count under each query's other filters: the topic tally is by side.
    expected = {"side", "claim_type", "speaker", "speaker_kind", "topic"}
    if "topic=" in query:
        expected = {"side", "claim_type", "topic"}
    elif "speaker=" in query:
        expected -= {"topic"}
    if "speaker_kind=" in query:
        expected = {"speaker_kind"}  # (the tables do not count by kind under the others)
    assert answered == expected, query
