import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import QuoteFactory
from sources.models import Article, Outlet
from sources.tests.factories import ArticleFactory, OutletFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, django_user_model):
    user = django_user_model.objects.create_user("carla", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    client.force_login(user)
    return client


def test_a_stale_article_save_is_refused(curator_client):
    """An article edited by someone else since the form was opened is not overwritten."""
    article = ArticleFactory(headline="Old headline")
    url = reverse("admin:sources_article_change", args=[article.pk])
    data = form_data(curator_client.get(url))
    article.byline = "Jane Doe"
    article.save()

    data["headline"] = "My headline"
    response = curator_client.post(url, data)

    assert "Byline: (empty) -> “Jane Doe”" in page_text(response)
    assert Article.objects.get(pk=article.pk).headline == "Old headline"


def test_deleting_an_outlet_with_articles_is_refused(client, django_user_model):
    """An outlet with articles survives a delete, and the page names the articles."""
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "unused"))
    outlet = OutletFactory(name="Reuters")
    ArticleFactory(outlet=outlet, headline="TikTok data stays in the US")

    response = client.post(reverse("admin:sources_outlet_delete", args=[outlet.pk]), {"post": "yes"})

    assert "TikTok data stays in the US" in page_text(response)
    assert Outlet.objects.filter(pk=outlet.pk).exists()


@pytest.mark.parametrize(
    "changelist", ["admin:sources_article_changelist", "admin:sources_outlet_changelist"]
)
def test_source_lists_keep_a_fixed_query_budget(curator_client, changelist, django_assert_max_num_queries):
    """The outlet and article lists cost the same few queries however many rows there are."""
    for _ in range(15):
        QuoteFactory()

    with django_assert_max_num_queries(12):
        response = curator_client.get(reverse(changelist))

    assert response.status_code == 200
