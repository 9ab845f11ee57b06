"""Honest dates: partial dates in filters, and claims known only as a range of days."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims.models import Claim
from claims.tests.factories import ClaimFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def listed(client, query):
    """The claim ids /api/claims/ lists for this query, in order."""
    response = client.get("/api/claims/", query)
    assert response.status_code == 200, response.content
    return [int(claim["url"].rstrip("/").rsplit("/", 1)[1]) for claim in response.json()["results"]]


@pytest.fixture
def dated():
    """Claims on 31 July, 1 August and 31 August 2020, in June 2022 (month) and in 2021 (year)."""
    day = {}
    day["july-31"] = ClaimFactory(said_on=datetime.date(2020, 7, 31))
    day["aug-1"] = ClaimFactory(said_on=datetime.date(2020, 8, 1))
    day["aug-31"] = ClaimFactory(said_on=datetime.date(2020, 8, 31))
    day["june-2022"] = ClaimFactory(said_on=datetime.date(2022, 6, 1), said_on_precision="month")
    day["year-2021"] = ClaimFactory(said_on=datetime.date(2021, 1, 1), said_on_precision="year")
    return {name: claim.pk for name, claim in day.items()}


def test_a_month_or_year_in_said_from_and_said_to_means_the_whole_period(client, dated):
    """said_from=2022-06 starts on 1 June; said_to=2020-08 ends on 31 August; a year spans the year."""
    assert listed(client, {"said_from": "2022-06"}) == [dated["june-2022"]]
    assert listed(client, {"said_to": "2020-08"}) == [dated["july-31"], dated["aug-1"], dated["aug-31"]]
    assert listed(client, {"said_from": "2020-08", "said_to": "2020-08"}) == [dated["aug-1"], dated["aug-31"]]
    assert listed(client, {"said_from": "2021", "said_to": "2021"}) == [dated["year-2021"]]
    assert listed(client, {"said_from": "2020-08-01", "said_to": "2020-08-01"}) == [dated["aug-1"]]


@pytest.mark.parametrize("value", ["2020-13", "2020-02-30", "20", "2020-8", "August"])
def test_a_malformed_partial_date_is_a_400_naming_the_parameter(client, value):
    """The API answers 400 with the parameter and the accepted forms; the page shows the message."""
    response = client.get("/api/claims/", {"said_from": value})
    assert response.status_code == 400
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in " ".join(response.json()["said_from"])
    page = client.get("/claims/", {"said_from": value})
    assert page.status_code == 200
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in page.content.decode()


@pytest.fixture
def ranged():
    """Claims on 12 and 14 August 2020, one 'by 13 August 2020' and one between 1 July and 13 August."""
    speaker = SpeakerFactory()
    return {
        "aug-12": ClaimFactory(speaker=speaker, said_on=datetime.date(2020, 8, 12)),
        "by-aug-13": ClaimFactory(
            speaker=speaker, said_on=datetime.date(2020, 8, 13), said_on_precision="range"
        ),
        "july-to-aug-13": ClaimFactory(
            speaker=speaker,
            said_on=datetime.date(2020, 8, 13),
            said_on_precision="range",
            said_earliest=datetime.date(2020, 7, 1),
        ),
        "aug-14": ClaimFactory(speaker=speaker, said_on=datetime.date(2020, 8, 14)),
    }


def test_a_range_shows_as_by_or_between_and_its_edtf_form(client, ranged):
    """Pages say 'by 13 August 2020'; the API gives Library of Congress EDTF intervals."""
    by, between = ranged["by-aug-13"], ranged["july-to-aug-13"]
    page = client.get(by.get_absolute_url()).content.decode()
    assert "by 13 August 2020" in page
    assert "between 1 July 2020 and 13 August 2020" in client.get(between.get_absolute_url()).content.decode()
    assert client.get(f"/api/claims/{by.pk}/").json()["said"] == "../2020-08-13"
    detail = client.get(f"/api/claims/{between.pk}/").json()
    assert (detail["said"], detail["said_earliest"]) == ("2020-07-01/2020-08-13", "2020-07-01")
    csv_text = client.get("/api/claims/", {"format": "csv"}).getvalue().decode()
    assert "../2020-08-13" in csv_text and "2020-07-01/2020-08-13" in csv_text


def test_a_range_sorts_at_its_latest_day_and_filters_by_overlap(client, ranged):
    """Not as 1 January: between 12 and 14 August; a range matches any period it overlaps."""
    ids = {name: claim.pk for name, claim in ranged.items()}
    order = [ids["aug-12"], ids["by-aug-13"], ids["july-to-aug-13"], ids["aug-14"]]
    assert listed(client, {}) == order
    assert listed(client, {"said_to": "2020-07"}) == [ids["by-aug-13"], ids["july-to-aug-13"]]
    assert listed(client, {"said_to": "2020-06"}) == [ids["by-aug-13"]]
    assert listed(client, {"said_from": "2020-08-13", "said_to": "2020-08-13"}) == [
        ids["by-aug-13"],
        ids["july-to-aug-13"],
    ]
    assert listed(client, {"said_from": "2020-08-14"}) == [ids["aug-14"]]


def test_an_earliest_day_needs_the_range_precision_and_must_come_first():
    """The admin's form shows why: an earliest day on a day-dated claim, or after the latest day."""
    claim = ClaimFactory.build(said_on=datetime.date(2020, 8, 13), said_earliest=datetime.date(2020, 7, 1))
    with pytest.raises(ValidationError, match="Range"):
        claim.clean()
    claim.said_on_precision = "range"
    claim.said_earliest = datetime.date(2020, 8, 20)
    with pytest.raises(ValidationError, match="must come before"):
        claim.clean()


def test_the_api_refuses_an_earliest_day_on_a_day_dated_claim(admin_client):
    """A write with said_earliest but no range is a 400 naming said_earliest, nothing saved."""
    claim = ClaimFactory(said_on=datetime.date(2020, 8, 13))
    etag = admin_client.get(f"/api/claims/{claim.pk}/").headers["ETag"]
    response = admin_client.patch(
        f"/api/claims/{claim.pk}/",
        {"said_earliest": "2020-07-01"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 400 and "said_earliest" in response.json()
    assert Claim.objects.get(pk=claim.pk).said_earliest is None


def test_the_corpus_dates_undated_statements_as_ranges(client):
    """A statement the article reports without a date is 'by' the day of publication, not '2020'."""
    call_command("load_corpus", verbosity=0)
    claim = Claim.objects.get(key="researcher-no-worse-than-facebook")
    assert claim.said_on_display == "by 13 August 2020"
    assert client.get(f"/api/claims/{claim.pk}/").json()["said"] == "../2020-08-13"
