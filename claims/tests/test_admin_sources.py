"""The article admin lists the article's quotes and says which a text edit left stale."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import ClaimFactory, QuoteFactory
from sources.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

TEXT = "Officials said the app could be used to collect data. A spokesperson denied it."


@pytest.fixture
def curator_client(client, django_user_model):
    user = django_user_model.objects.create_user("carla", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    client.force_login(user)
    return client


def test_article_page_lists_the_claims_it_reports(curator_client):
    """The article page lists each quoted claim with the quote's anchor status."""
    article = ArticleFactory()
    QuoteFactory(article=article, claim=ClaimFactory(summary="The app collects data for Beijing."))

    text = page_text(curator_client.get(reverse("admin:sources_article_change", args=[article.pk])))

    assert "Claims reported by this article (through its quotes)" in text
    assert "The app collects data for Beijing." in text
    assert "exact" in text


def test_editing_an_article_text_reports_moved_and_orphaned_quotes(curator_client):
    """After a text edit the curator is told which quotes no longer match; offsets stay as they were."""
    article = ArticleFactory(text=TEXT)
    moved = QuoteFactory(article=article, text="the app could be used to collect data")
    orphaned = QuoteFactory(article=article, text="A spokesperson denied it.", start=54, end=79)
    url = reverse("admin:sources_article_change", args=[article.pk])
    data = form_data(curator_client.get(url))
    data["text"] = "Update: officials said the app could be used to collect data."

    response = curator_client.post(url, data, follow=True)

    text = page_text(response)
    assert "2 quote(s) no longer match this article's text at their offsets" in text
    assert "“the app could be used to collect data” is Moved" in text
    assert "“A spokesperson denied it.” is Orphaned" in text
    moved.refresh_from_db()
    assert (moved.start, moved.end) == (15, 52)
    page = page_text(curator_client.get(url))
    assert "Moved: found once elsewhere, the offsets are stale" in page
    assert "Orphaned: not found once in the article" in page
    orphaned.refresh_from_db()
    assert orphaned.verify() == "orphaned"
