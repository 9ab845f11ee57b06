"""Public versions, corrections and the deleted claim's tombstone (claims/versions.py, docs/versions.md)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims.models import Claim, Correction
from claims.tests import test_browser
from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import ClaimFactory, SpeakerFactory, TopicFactory
from claims.tests.test_browser import SCREENSHOTS, WIDTHS, serious_violations
from claims.versions import record_correction

pytestmark = pytest.mark.django_db

NOTE = "The quote says the data “could be” shared; the summary said it was."


@pytest.fixture
def curator(django_user_model, roles):
    """A staff member of the curator group."""
    user = django_user_model.objects.create_user("carla-the-curator", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root-editor", "root@example.org", "unused")


def admin_edit(client, claim, **changes):
    """Save the claim's admin change form as a curator would, with these fields changed."""
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)
    return response


@pytest.fixture
def edited_claim(curator_client):
    """A claim created by a data load, then edited by a curator in the admin (summary and a topic)."""
    claim = ClaimFactory(summary="TikTok includes facial patterns in the data.", speaker__name="Mike Pompeo")
    topic = TopicFactory(name="Biometrics")
    admin_edit(curator_client, claim, summary="TikTok could collect facial patterns.", topics=[str(topic.pk)])
    return claim


def test_versions_page_shows_old_and_new_values_after_an_admin_edit(client, edited_claim):
    """The versions page lists each field an admin edit changed, old -> new, with topics by name."""
    client.logout()
    response = client.get(f"/claims/{edited_claim.pk}/versions/")

    text = page_text(response)
    assert response.status_code == 200
    assert "Version 2" in text and "Version 1" in text
    assert (
        "Summary TikTok includes facial patterns in the data. TikTok could collect facial patterns." in text
    )
    assert "Topics (empty) Biometrics" in text
    assert "changed by a curator" in text


def test_versions_page_never_publishes_a_curators_name(client, edited_claim, superuser):
    """Curators and editors appear by role, never by username."""
    claim = Claim.objects.get(pk=edited_claim.pk)
    claim.summary = "TikTok could collect faceprints."
    claim._history_user = superuser
    claim.save()

    body = client.get(f"/claims/{claim.pk}/versions/").content.decode()
    api = client.get(f"/api/claims/{claim.pk}/versions/").content.decode()

    assert "carla" not in body and "root-editor" not in body
    assert "carla" not in api and "root-editor" not in api
    assert "changed by an editor" in page_text(client.get(f"/claims/{claim.pk}/versions/"))


def test_each_version_has_a_citable_page_showing_the_claim_as_it_was(client, edited_claim):
    """/claims/<id>/versions/1/ shows the first summary; /versions/2/ the edited one; no version 9."""
    first = page_text(client.get(f"/claims/{edited_claim.pk}/versions/1/"))
    second = client.get(f"/claims/{edited_claim.pk}/versions/2/")

    assert "TikTok includes facial patterns in the data." in first
    assert "See the current version" in first
    assert "TikTok could collect facial patterns." in page_text(second)
    assert "It is the current version." in page_text(second)
    assert f"http://testserver/claims/{edited_claim.pk}/versions/2/" in page_text(second)
    assert client.get(f"/claims/{edited_claim.pk}/versions/9/").status_code == 404


def test_a_correction_note_in_the_admin_is_shown_on_the_claim_page_and_in_corrections(
    client, curator_client, edited_claim
):
    """A save with a correction note says “Corrected on <date>: <note>” on the claim and in /corrections/."""
    admin_edit(
        curator_client, edited_claim, summary="TikTok could be collecting faceprints.", correction_note=NOTE
    )
    correction = Correction.objects.get()
    day = f"{correction.created.day} {correction.created:%B %Y}"

    claim_page = page_text(client.get(f"/claims/{edited_claim.pk}/"))
    corrections = page_text(client.get("/corrections/"))
    versions = page_text(client.get(f"/claims/{edited_claim.pk}/versions/"))

    assert correction.version == Claim.objects.get(pk=edited_claim.pk).version == 3
    assert f"Corrected on {day}: {NOTE}" in claim_page
    assert "TikTok could be collecting faceprints." in corrections
    assert f"Corrected on {day}: {NOTE}" in corrections
    assert f"Correction: {NOTE}" in versions


def test_a_plain_fix_without_a_note_is_no_correction(client, curator_client, edited_claim):
    """An edit with the note left empty (a typo fix) is a version, not a correction."""
    admin_edit(
        curator_client, edited_claim, summary="TikTok could collect facial patterns!", correction_note=""
    )

    assert not Correction.objects.exists()
    assert "Corrected on" not in page_text(client.get(f"/claims/{edited_claim.pk}/"))
    assert "No correction yet." in page_text(client.get("/corrections/"))


def test_corrections_are_listed_newest_first(client, curator_client):
    """/corrections/ lists the latest correction first."""
    older, newer = ClaimFactory(summary="Older claim."), ClaimFactory(summary="Newer claim.")
    admin_edit(curator_client, older, venue="Fox News", correction_note="Venue added: it was Fox News.")
    admin_edit(curator_client, newer, venue="CBS", correction_note="Venue added: it was CBS.")

    text = page_text(client.get("/corrections/"))

    assert text.index("Newer claim.") < text.index("Older claim.")


def test_the_add_form_has_no_correction_note(curator_client):
    """A new claim has nothing to correct: the add form has no correction note; the change form has."""
    claim = ClaimFactory()

    assert "correction_note" not in form_data(curator_client.get(reverse("admin:claims_claim_add")))
    change = curator_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "correction_note" in form_data(change)
    assert "Correction note" in page_text(change)


def test_a_deleted_claim_leaves_a_410_tombstone_saying_what_it_was(client, superuser):
    """A claim a superuser deletes answers 410 with its summary, speaker, date and why it went."""
    claim = ClaimFactory(summary="TikTok sends data to Beijing.", speaker=SpeakerFactory(name="Mike Pompeo"))
    client.force_login(superuser)
    response = client.post(reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"})
    assert response.status_code == 302
    client.logout()

    response = client.get(f"/claims/{claim.pk}/")

    text = page_text(response)
    assert response.status_code == 410
    assert "This claim was removed" in text
    assert "TikTok sends data to Beijing." in text and "Mike Pompeo" in text and "12 August 2020" in text
    assert "removed by the editors." in text
    assert client.get(f"/claims/{claim.pk}/versions/").status_code == 200
    assert client.get(f"/claims/{claim.pk}/versions/1/").status_code == 200


def test_a_reason_given_on_the_admins_delete_page_is_the_tombstones(client, superuser):
    """The superuser's reason, typed on the delete confirmation, is what the 410 page says."""
    claim = ClaimFactory()
    client.force_login(superuser)
    url = reverse("admin:claims_claim_delete", args=[claim.pk])
    assert "Public reason for the removal" in page_text(client.get(url))
    client.post(url, {"post": "yes", "deletion_reason": "A duplicate of claim 3"})
    client.logout()

    response = client.get(f"/claims/{claim.pk}/")

    assert response.status_code == 410
    assert "A duplicate of claim 3." in page_text(response)


def test_a_tombstone_gives_the_deletions_reason(client):
    """The reason recorded with a deletion is the tombstone's."""
    claim = ClaimFactory()
    claim_id = claim.pk
    claim._change_reason = "a duplicate of claim 3"
    claim.delete()

    assert "a duplicate of claim 3." in page_text(client.get(f"/claims/{claim_id}/"))


def test_an_id_never_used_is_still_a_404(client):
    """No tombstone for an id no claim ever had."""
    assert client.get("/claims/987654/").status_code == 404
    assert client.get("/claims/987654/versions/").status_code == 404


# The API


def test_api_versions_list_each_version_with_its_changes_and_note(client, curator_client, edited_claim):
    """/api/claims/<id>/versions/ has every version oldest first: role, changes and correction note."""
    admin_edit(curator_client, edited_claim, venue="Fox News", correction_note=NOTE)
    client.logout()

    body = client.get(f"/api/claims/{edited_claim.pk}/versions/").json()

    assert [version["version"] for version in body["results"]] == [1, 2, 3]
    first, second, third = body["results"]
    assert first["action"] == "created" and first["role"] == "system" and first["changes"] == []
    assert second["role"] == "curator" and second["correction_note"] is None
    assert {"field": "topics", "label": "Topics", "old": "(empty)", "new": "Biometrics"} in second["changes"]
    assert third["correction_note"] == NOTE
    assert third["changes"] == [{"field": "venue", "label": "Venue", "old": "(empty)", "new": "Fox News"}]
    assert third["web_url"] == f"http://testserver/claims/{edited_claim.pk}/versions/3/"
    assert third["state"]["venue"] == "Fox News"


def test_every_claim_representation_has_version_and_modified(client, edited_claim):
    """The claim's detail and list carry `version` and `modified` (its last change)."""
    detail = client.get(f"/api/claims/{edited_claim.pk}/").json()
    listed = client.get("/api/claims/").json()["results"][0]
    last = Claim.history.filter(id=edited_claim.pk).latest("history_date").history_date

    assert detail["version"] == listed["version"] == 2
    assert detail["modified"] == listed["modified"] == last.isoformat().replace("+00:00", "Z")


@pytest.fixture
def api_curator_client(client, curator):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=curator)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_a_correction_note_through_the_api_is_stored_with_the_version(api_curator_client):
    """A PATCH with correction_note marks the version it makes as a correction; the note is no claim field."""
    claim = ClaimFactory()

    response = api_curator_client.patch(
        f"/api/claims/{claim.pk}/",
        {"venue": "Fox News", "correction_note": NOTE},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert "correction_note" not in response.json()
    assert response.json()["version"] == 2
    assert Correction.objects.get().version == 2 and Correction.objects.get().note == NOTE


def test_a_new_claim_through_the_api_cannot_carry_a_correction_note(api_curator_client):
    """A correction note on a create is a 400 naming correction_note."""
    speaker = SpeakerFactory()
    response = api_curator_client.post(
        "/api/claims/",
        {
            "key": "new-claim",
            "speaker": f"http://testserver/api/speakers/{speaker.slug}/",
            "summary": "A new claim.",
            "claim_type": "allegation",
            "said_on": "2020-08-12",
            "said_on_precision": "day",
            "correction_note": "nothing to correct",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "correction_note" in response.json()


# In the browser

browser_pages = test_browser.pages  # the `pages` fixture: one page per viewport width


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_versions_page_in_chromium_shows_changes_passes_axe_and_fits_a_phone(
    live_server, browser_pages, curator
):
    """In Chromium: the versions page shows old -> new and the correction, links each version, passes axe."""
    claim = ClaimFactory(summary="TikTok includes facial patterns in the data.", speaker__name="Mike Pompeo")
    claim.summary, claim.venue = "TikTok could collect facial patterns.", "Fox News"
    claim._history_user = curator
    claim.save()
    record_correction(claim, NOTE)
    SCREENSHOTS.mkdir(exist_ok=True)
    problems = []
    for width_name, page in browser_pages.items():
        page.goto(f"{live_server.url}/claims/{claim.pk}/versions/")
        assert "Versions of “TikTok could collect facial patterns.”" in page.locator("h1").inner_text()
        summary_row = page.locator("#version-2 tr", has_text="Summary")
        assert summary_row.locator("del").inner_text() == "TikTok includes facial patterns in the data."
        assert summary_row.locator("ins").inner_text() == "TikTok could collect facial patterns."
        assert NOTE in page.locator("#version-2 .correction").inner_text()
        assert "carla" not in page.content()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"versions page at {width_name}: {overflow}px wider than the screen")
        problems += [f"versions page at {width_name}: {violation}" for violation in serious_violations(page)]
        page.screenshot(path=SCREENSHOTS / f"claim-versions-{WIDTHS[width_name]}.png", full_page=True)
    page = browser_pages["desktop"]
    page.get_by_role("link", name="Version 1").click()
    assert page.locator("h1").inner_text() == "TikTok includes facial patterns in the data."
    problems += [f"version page: {violation}" for violation in serious_violations(page)]
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    assert NOTE in page.locator(".correction").inner_text()
    page.get_by_role("link", name="Every version, and what changed").click()
    assert page.url.endswith(f"/claims/{claim.pk}/versions/")
    assert problems == []


@pytest.mark.parametrize(
    "url", ["/claims/{huge}/versions/", "/claims/{huge}/versions/{huge}/", "/api/claims/{huge}/versions/"]
)
def test_an_id_too_large_for_the_database_is_a_404(client, url):
    """An id past the database's integers is an unknown claim (404), not a 500."""
    assert client.get(url.format(huge=10**20)).status_code == 404


@pytest.mark.parametrize("edits", [2, 20])
def test_versions_pages_keep_their_query_budget_as_versions_grow(
    client, django_assert_max_num_queries, edits
):
    """A claim's versions (page and API) and /corrections/ run a fixed number of queries."""
    claim = ClaimFactory()
    for number in range(edits):
        claim.topics.add(TopicFactory())
        claim.summary = f"Edit {number}."
        claim.save()
        record_correction(claim, f"Correction {number}.")
    for url, budget in [
        (f"/claims/{claim.pk}/versions/", 8),
        (f"/claims/{claim.pk}/versions/2/", 8),
        (f"/api/claims/{claim.pk}/versions/", 8),
        ("/corrections/", 3),
    ]:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


def test_version_and_modified_are_the_same_on_the_fast_path_and_the_serializer(client, edited_claim):
    """With history present, the list's `version` and `modified` equal ClaimSerializer's, key for key."""
    from claims.tests.test_api import serialized

    ClaimFactory()  # created, never edited: version 1
    body = client.get("/api/claims/?expand=speaker").json()["results"]

    assert body == serialized("/api/claims/?expand=speaker", {"speaker"})
    assert sorted(claim["version"] for claim in body) == [1, 2]
    assert all(claim["modified"] for claim in body)
