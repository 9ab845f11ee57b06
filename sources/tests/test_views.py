"""The article list links the original story when its address is known."""

from django.urls import reverse

from sources.tests.factories import ArticleFactory

ORIGINAL = "https://www.example.org/2020/08/13/tiktok-story-123"


def test_article_list_links_the_original_next_to_the_outlet(client, db):
    """The list links each article's original story where its address is known, and only there."""
    known = ArticleFactory(url=ORIGINAL, outlet__name="Newsweek", headline="Pompeo claims")
    ArticleFactory(url="", headline="Unknown address")

    html = client.get(reverse("sources:article-list")).content.decode()

    assert (
        f'Newsweek · <a href="{known.url}" rel="external noopener" '
        'aria-label="Original story at Newsweek: Pompeo claims">original</a>'
    ) in html
    assert html.count(">original</a>") == 1
