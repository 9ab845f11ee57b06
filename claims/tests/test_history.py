"""History: who may restore what from the admin, and a record for every change a reader sees."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from claims.models import Claim, Quote, Speaker, Topic
from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import ClaimFactory, SpeakerFactory, TopicFactory
from sources.tests.factories import ArticleFactory, OutletFactory

pytestmark = pytest.mark.django_db


def member_of(django_user_model, group, username):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def reviewer_client(client, django_user_model):
    client.force_login(member_of(django_user_model, "reviewer", "rita"))
    return client


@pytest.fixture
def curator_client(client, django_user_model):
    client.force_login(member_of(django_user_model, "curator", "carla"))
    return client


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "unused"))
    return client


def history_form_url(row, record=None):
    """The admin page of one version of row (its latest record unless record is given)."""
    record = record or row.history.first()
    opts = row._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[row.pk, record.history_id]
    )


def change_form(client, row):
    """What the row's change form posts, read as a curator's browser would."""
    opts = row._meta
    return form_data(client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])))


def edit_in_admin(client, row, **changes):
    """Save row from its admin change page with these fields changed; the response must redirect."""
    opts = row._meta
    data = change_form(client, row)
    data.update(changes)
    response = client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]), data)
    assert response.status_code == 302, page_text(response)
    return response


ROWS = {
    "claim": (lambda: ClaimFactory(summary="Kept as curated"), "summary"),
    "speaker": (lambda: SpeakerFactory(name="Kept as curated"), "name"),
    "article": (lambda: ArticleFactory(headline="Kept as curated"), "headline"),
    "topic": (lambda: TopicFactory(name="Kept as curated"), "name"),
    "outlet": (lambda: OutletFactory(name="Kept as curated"), "name"),
}


@pytest.mark.parametrize("model", ROWS)
def test_a_reviewer_cannot_change_a_row_through_its_history_page(
    model, reviewer_client, superuser_client, django_user_model
):
    """A reviewer posting a version's form back (with a current version number) gets 403; nothing changes."""
    build, field = ROWS[model]
    row = build()
    url = history_form_url(row)
    # What a curator's browser would post from the same page, with the field changed.
    data = form_data(superuser_client.get(url))
    data[field] = "Changed by a reviewer"
    reviewer_client.force_login(django_user_model.objects.get(username="rita"))

    response = reviewer_client.post(url, data)

    assert response.status_code == 403
    row.refresh_from_db()
    assert getattr(row, field) == "Kept as curated"
    assert row.history.count() == 1


@pytest.mark.parametrize("model", ROWS)
def test_a_reviewer_sees_a_version_read_only(model, reviewer_client):
    """A reviewer's version page shows the old values with no input and no Revert button."""
    build, field = ROWS[model]
    row = build()

    response = reviewer_client.get(history_form_url(row))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kept as curated" in page
    assert f'name="{field}"' in page and "disabled" in page
    assert "Revert" not in page_text(response)
    assert set(form_data(response)) <= {"seen_version"}


def test_a_reviewer_cannot_bring_back_a_deleted_row(reviewer_client, superuser_client, django_user_model):
    """A speaker a superuser deleted stays deleted when a reviewer posts its last version."""
    speaker = SpeakerFactory(name="Deleted speaker")
    pk = speaker.pk
    speaker.delete()
    record = Speaker.history.filter(id=pk, history_type="+").get()
    url = reverse("admin:claims_speaker_simple_history", args=[pk, record.history_id])
    data = form_data(superuser_client.get(url))
    reviewer_client.force_login(django_user_model.objects.get(username="rita"))

    assert reviewer_client.post(url, data).status_code == 403
    assert not Speaker.objects.filter(pk=pk).exists()


def test_a_curator_cannot_bring_back_a_deleted_row(curator_client):
    """Bringing back a deleted row undoes a superuser's delete, so a curator gets 403."""
    speaker = SpeakerFactory(name="Deleted speaker")
    pk = speaker.pk
    speaker.delete()
    record = Speaker.history.filter(id=pk, history_type="+").get()
    url = reverse("admin:claims_speaker_simple_history", args=[pk, record.history_id])

    assert curator_client.post(url, {"name": "Deleted speaker"}).status_code == 403
    assert not Speaker.objects.filter(pk=pk).exists()


def test_a_curator_still_restores_an_earlier_version(curator_client):
    """The change permission is enough to restore an earlier version of an existing row."""
    outlet = OutletFactory(name="Reuters")
    edit_in_admin(curator_client, outlet, name="Mistaken name")
    url = history_form_url(outlet, outlet.history.get(history_type="+"))

    response = curator_client.post(url, form_data(curator_client.get(url)))

    assert response.status_code == 302, page_text(response)
    outlet.refresh_from_db()
    assert outlet.name == "Reuters"


def topic_names(record):
    """The topics a claim's history record lists, by name."""
    return sorted(
        Topic.objects.filter(pk__in=record.topics.values("topic_id")).values_list("name", flat=True)
    )


def test_adding_and_removing_topics_in_code_is_a_version_each():
    """Linking a topic from either side is a new version of the claim, recorded with its topics."""
    claim = ClaimFactory()
    topic = TopicFactory(name="Data access")

    claim.topics.add(topic)
    claim.refresh_from_db()
    assert claim.version == 2
    assert topic_names(claim.history.first()) == ["Data access"]

    topic.claims.remove(claim)
    claim.refresh_from_db()
    assert claim.version == 3
    latest = claim.history.first()
    assert (
        latest.version == 3 and topic_names(latest) == [] and latest.history_change_reason == "Topics changed"
    )

    claim.topics.add(topic)
    topic.claims.clear()
    claim.refresh_from_db()
    assert claim.version == 5 and topic_names(claim.history.first()) == []


def test_a_version_page_with_a_malformed_id_is_a_404(superuser_client):
    """A history version URL with a non-numeric version is a 404, not a 500."""
    claim = ClaimFactory()

    assert superuser_client.get(f"/admin/claims/claim/{claim.pk}/history/abc/").status_code == 404
    assert superuser_client.post(f"/admin/claims/claim/{claim.pk}/history/abc/", {}).status_code == 404


def test_changing_topics_in_the_admin_is_one_version(curator_client):
    """A save that changes the summary and the topics is one version, whose record has both."""
    claim = ClaimFactory(summary="Before.")
    claim.topics.add(TopicFactory(name="Old topic"))
    new_topic = TopicFactory(name="New topic")
    claim.refresh_from_db()

    edit_in_admin(curator_client, claim, summary="After.", topics=[str(new_topic.pk)])

    claim.refresh_from_db()
    assert claim.version == 3
    latest = claim.history.first()
    assert latest.version == 3 and latest.summary == "After." and topic_names(latest) == ["New topic"]
    assert claim.history.filter(version=3).count() == 1


def test_changing_topics_through_the_api_is_one_version(django_user_model):
    """A PATCH of a claim's topics is one new version whose record lists them."""
    from rest_framework.test import APIClient

    claim = ClaimFactory()
    TopicFactory(name="Data access", slug="data-access")
    client = APIClient()
    client.force_authenticate(member_of(django_user_model, "curator", "carla"))

    response = client.patch(
        f"/api/claims/{claim.pk}/", {"topics": ["http://testserver/api/topics/data-access/"]}, format="json"
    )

    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.version == 2 and claim.history.filter(version=2).count() == 1
    assert topic_names(claim.history.first()) == ["Data access"]


def test_deleting_a_topic_is_a_version_of_each_claim_and_restoring_it_links_them_again(superuser_client):
    """A topic's delete is recorded on its claims; restoring the topic from its history relinks them."""
    topic = TopicFactory(name="Data access")
    on_topic, other = ClaimFactory(), ClaimFactory()
    on_topic.topics.add(topic)
    other.topics.add(TopicFactory(name="Bans"))
    topic_pk = topic.pk

    response = superuser_client.post(reverse("admin:claims_topic_delete", args=[topic_pk]), {"post": "yes"})

    assert response.status_code == 302
    on_topic.refresh_from_db()
    assert on_topic.version == 3
    latest = on_topic.history.first()
    assert topic_names(latest) == [] and "Topic “Data access” deleted" in latest.history_change_reason
    history_page = page_text(superuser_client.get(reverse("admin:claims_claim_history", args=[on_topic.pk])))
    assert "Topic “Data access” deleted" in history_page

    record = Topic.history.filter(id=topic_pk, history_type="+").get()
    url = reverse("admin:claims_topic_simple_history", args=[topic_pk, record.history_id])
    restored = superuser_client.post(url, form_data(superuser_client.get(url)))

    assert restored.status_code == 302, page_text(restored)
    assert list(Claim.objects.get(pk=on_topic.pk).topics.values_list("name", flat=True)) == ["Data access"]
    assert list(other.topics.values_list("name", flat=True)) == ["Bans"]
    on_topic.refresh_from_db()
    latest = on_topic.history.first()
    assert on_topic.version == 4 and topic_names(latest) == ["Data access"]
    assert latest.history_change_reason == "Topic “Data access” restored"


def test_a_superuser_restores_a_deleted_claim_with_its_topics(superuser_client):
    """A deleted claim comes back from its history page with its topics, under a new version number."""
    claim = ClaimFactory(summary="Deleted by mistake.")
    claim.topics.add(TopicFactory(name="Data access"))
    pk = claim.pk
    superuser_client.post(reverse("admin:claims_claim_delete", args=[pk]), {"post": "yes"})
    assert not Claim.objects.filter(pk=pk).exists()

    history_page = superuser_client.get(reverse("admin:claims_claim_history", args=[pk]))
    assert history_page.status_code == 200 and "Deleted by mistake." in page_text(history_page)
    last = Claim.history.filter(id=pk).exclude(history_type="-").order_by("-history_date").first()
    url = reverse("admin:claims_claim_simple_history", args=[pk, last.history_id])
    page = superuser_client.get(url)
    assert "Revert" in page_text(page)
    response = superuser_client.post(url, form_data(page))

    assert response.status_code == 302, page_text(response)
    restored = Claim.objects.get(pk=pk)
    assert restored.summary == "Deleted by mistake."
    assert list(restored.topics.values_list("name", flat=True)) == ["Data access"]
    assert restored.version == 3  # versions 1 and 2 were used before the delete
    record = restored.history.first()
    assert record.version == 3 and topic_names(record) == ["Data access"]
    assert record.history_change_reason.startswith("Restored after deletion")


@pytest.mark.parametrize("model", ["speaker", "article", "quote", "rebuttal"])
def test_a_superuser_restores_other_deleted_rows(model, superuser_client):
    """A deleted speaker, article, quote or rebuttal comes back from its history page."""
    from claims.tests.factories import QuoteFactory, RebuttalFactory

    row = {
        "speaker": SpeakerFactory,
        "article": ArticleFactory,
        "quote": QuoteFactory,
        "rebuttal": RebuttalFactory,
    }[model]()
    model_class, pk = type(row), row.pk
    row.delete()
    record = model_class.history.filter(id=pk, history_type="+").get()
    opts = model_class._meta
    url = reverse(f"admin:{opts.app_label}_{model}_simple_history", args=[pk, record.history_id])

    response = superuser_client.post(url, form_data(superuser_client.get(url)))

    assert response.status_code == 302, page_text(response)
    assert model_class.objects.filter(pk=pk).exists()


def test_a_loaded_corpus_has_a_first_record_that_can_be_restored(curator_client):
    """After load_corpus every curated row has a first record; a claim's loaded values come back from it."""
    from django.core.management import call_command

    from claims.history import curated_models

    call_command("load_corpus", verbosity=0)

    for model in curated_models():
        rows = model.objects.count()
        assert rows and model.history.filter(history_type="+").count() == rows, model
    claim = Claim.objects.filter(topics__isnull=False).order_by("pk").first()
    loaded = claim.history.get()
    assert loaded.version == 1 and topic_names(loaded) == sorted(claim.topics.values_list("name", flat=True))
    original = claim.summary
    edit_in_admin(curator_client, claim, summary="An edit after loading.", topics=[])

    url = history_form_url(claim, loaded)
    response = curator_client.post(url, form_data(curator_client.get(url)))

    assert response.status_code == 302, page_text(response)
    claim.refresh_from_db()
    assert claim.summary == original and claim.version == 3
    assert sorted(claim.topics.values_list("name", flat=True)) == topic_names(loaded)


def test_deleted_rows_are_listed_with_a_way_back(superuser_client, django_user_model):
    """The changelist links to its deleted rows; each leads to the history page a superuser restores from."""
    SpeakerFactory(name="Still here")
    gone = SpeakerFactory(name="Deleted speaker")
    superuser_client.post(reverse("admin:claims_speaker_delete", args=[gone.pk]), {"post": "yes"})

    changelist = superuser_client.get(reverse("admin:claims_speaker_changelist")).content.decode()
    assert reverse("admin:claims_speaker_deleted") in changelist
    response = superuser_client.get(reverse("admin:claims_speaker_deleted"))

    text = page_text(response)
    assert "Deleted speaker" in text and "root" in text and "Still here" not in text
    history_url = reverse("admin:claims_speaker_history", args=[gone.pk])
    assert history_url in response.content.decode()
    assert "Deleted speaker" in page_text(superuser_client.get(history_url))
    reviewer = Client()
    reviewer.force_login(member_of(django_user_model, "reviewer", "rita"))
    assert "only a superuser can bring one back" in page_text(
        reviewer.get(reverse("admin:claims_speaker_deleted"))
    )


def test_a_quote_cannot_come_back_before_its_claim(superuser_client):
    """Restoring a quote whose claim is deleted too is refused with a form error, not a 500."""
    from claims.tests.factories import QuoteFactory

    quote = QuoteFactory()
    claim, quote_pk = quote.claim, quote.pk
    quote.delete()
    claim.delete()
    record = Quote.history.filter(id=quote_pk, history_type="+").get()
    url = reverse("admin:claims_quote_simple_history", args=[quote_pk, record.history_id])

    response = superuser_client.post(url, form_data(superuser_client.get(url)))

    assert response.status_code == 200
    assert "Please correct the error below. This field is required. Claim:" in page_text(response)
    assert not Quote.objects.filter(pk=quote_pk).exists()
