"""The article page links the original story when its address is known."""

from sources.tests.factories import ArticleFactory

ORIGINAL = "https://www.example.org/2020/08/13/tiktok-story-123"


def test_article_page_links_the_original_story(client, db):
    """An article with a known address shows it as an external link under Original."""
    article = ArticleFactory(url=ORIGINAL)

    html = client.get(article.get_absolute_url()).content.decode()

    assert f'<dt>Original</dt><dd><a href="{ORIGINAL}" rel="external noopener">{ORIGINAL}</a></dd>' in html


def test_article_page_says_when_the_address_is_not_established(client, db):
    """Without an address the page says it is not established rather than leaving the reader to guess."""
    article = ArticleFactory(url="")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "<dt>Original</dt><dd>Address not established (the note on the date says why).</dd>" in html
