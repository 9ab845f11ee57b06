"""History: who may restore what from the admin, and a record for every change a reader sees."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims.models import Speaker
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

