import datetime

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from claims.tests.factories import QuoteFactory
from sources.models import Article
from sources.tests.factories import ARTICLE_TEXT, ArticleFactory, OutletFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return APIClient()


def test_article_detail_links_outlet_quotes_and_pages(client):
    """An article carries its API and web URLs, its outlet link and name, and its quotes list."""
    article = ArticleFactory(slug="pompeo-fox", outlet=OutletFactory(name="Reuters", slug="reuters"))

    data = client.get("/api/articles/pompeo-fox/").json()

    assert data["url"] == "http://testserver/api/articles/pompeo-fox/"
    assert data["web_url"] == "http://testserver/articles/pompeo-fox/"
    assert data["outlet"] == "http://testserver/api/outlets/reuters/"
    assert data["outlet_name"] == "Reuters"
    assert data["quotes"] == "http://testserver/api/quotes/?article=pompeo-fox"
    assert data["text"] == ARTICLE_TEXT
    assert data["text_sha256"] == article.text_sha256


def test_articles_filter_by_outlet_and_date(client):
    """Articles filter by outlet slug and publication date."""
    reuters = OutletFactory(slug="reuters")
    ArticleFactory(outlet=reuters, headline="Kept", published_on=datetime.date(2020, 8, 1))
    ArticleFactory(outlet=reuters, headline="Too early", published_on=datetime.date(2019, 8, 1))
    ArticleFactory(headline="Other outlet", published_on=datetime.date(2020, 8, 1))

    data = client.get("/api/articles/", {"outlet": "reuters", "published_from": "2020-01-01"}).json()

    assert [article["headline"] for article in data["results"]] == ["Kept"]


def test_articles_ordering_by_headline_descending(client):
    """ordering=-headline sorts articles Z to A."""
    ArticleFactory(headline="Alpha")
    ArticleFactory(headline="Beta")

    data = client.get("/api/articles/", {"ordering": "-headline"}).json()

    assert [article["headline"] for article in data["results"]] == ["Beta", "Alpha"]


def test_outlets_list_links_their_articles(client):
    """An outlet links the API list of its articles and the claims page filtered to it."""
    OutletFactory(name="Reuters", slug="reuters")

    [outlet] = client.get("/api/outlets/").json()["results"]

    assert outlet["articles"] == "http://testserver/api/articles/?outlet=reuters"
    assert outlet["web_url"] == "http://testserver/claims/?outlet=reuters"


def test_articles_csv_names_the_outlet(client):
    """The articles CSV names the outlet, not its id."""
    ArticleFactory(headline="Report", outlet=OutletFactory(name="Reuters", slug="reuters"))

    response = client.get("/api/articles/", {"format": "csv"})

    lines = response.getvalue().decode().splitlines()
    assert lines[0].startswith("slug,outlet,headline,published")
    assert ",Reuters,Report,2020-08-13," in lines[1]


def test_unknown_outlet_is_400_and_missing_article_is_404(client):
    """An unknown outlet slug is a 400 naming outlet; a missing article is a JSON 404."""
    assert "outlet" in client.get("/api/articles/", {"outlet": "nowhere"}).json()
    response = client.get("/api/articles/nothing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Article matches the given query."}


def test_article_write_needs_the_permission_and_records_the_hash():
    """A curator with add_article creates an article; one without the permission is refused."""
    OutletFactory(slug="reuters")
    user = User.objects.create_user("curator", password="a long test password", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    payload = {
        "outlet": "http://testserver/api/outlets/reuters/",
        "headline": "New",
        "slug": "new",
        "published_on": "2020-08-01",
        "published_on_precision": "month",
        "text": "Some text.",
    }

    assert client.post("/api/articles/", payload, format="json").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_article"))
    client.force_authenticate(User.objects.get(pk=user.pk))
    response = client.post("/api/articles/", payload, format="json")

    assert response.status_code == 201, response.json()
    assert Article.objects.get(slug="new").text_sha256 == response.json()["text_sha256"]
    assert response.json()["published"] == "2020-08"


def test_article_with_quotes_cannot_be_deleted():
    """Deleting an article that quotes hang on is refused with a 409, not a 500."""
    quote = QuoteFactory()
    user = User.objects.create_user("curator", password="a long test password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="delete_article"))
    client = APIClient()
    client.force_authenticate(user)

    response = client.delete(f"/api/articles/{quote.article.slug}/", HTTP_IF_MATCH='"1"')

    assert response.status_code == 409
    assert "1 curated items still refer to it" in response.json()["detail"]
    assert Article.objects.filter(pk=quote.article_id).exists()
