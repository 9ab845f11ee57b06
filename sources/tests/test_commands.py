import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sources.models import Article
from sources.tests.factories import ArticleFactory, OutletFactory

pytestmark = pytest.mark.django_db

VERBATIM = "Line one — “quoted”.\r\nLine two\tends here.\n\n  Trailing spaces  \n"


@pytest.fixture
def article_file(tmp_path):
    path = tmp_path / "004-reuters.txt"
    path.write_bytes(VERBATIM.encode("utf-8"))
    return path


def import_article(path, *extra, **options):
    arguments = {"outlet": "reuters", "headline": "TikTok denies sharing data", "published": "2020-08-13"}
    arguments.update(options)
    return call_command("import_article", str(path), *extra, **arguments)


def test_import_keeps_the_text_byte_for_byte(article_file):
    """The imported text is the file's exact bytes, and every option lands in its field."""
    OutletFactory(slug="reuters")

    import_article(
        article_file, precision="month", published="2020-08-01", url="https://example.org/a", byline="J. Doe"
    )

    article = Article.objects.get(slug="tiktok-denies-sharing-data")
    assert article.text.encode("utf-8") == article_file.read_bytes()
    assert article.published_display == "August 2020"
    assert (article.url, article.byline, article.seed_file) == (
        "https://example.org/a",
        "J. Doe",
        "004-reuters.txt",
    )
    assert article.outlet.slug == "reuters"


def test_unknown_outlet_is_named(article_file):
    """An unknown outlet slug is refused, listing the known ones."""
    OutletFactory(slug="reuters")

    with pytest.raises(CommandError, match="No outlet with slug 'bbc'. Known outlets: reuters."):
        import_article(article_file, outlet="bbc")
    assert not Article.objects.exists()


@pytest.mark.parametrize("published", ["13/08/2020", "2020-02-30", "yesterday"])
def test_bad_date_is_refused(article_file, published):
    """A date that is not a real YYYY-MM-DD is refused with the value."""
    OutletFactory(slug="reuters")

    with pytest.raises(CommandError, match="is not a date in YYYY-MM-DD form"):
        import_article(article_file, published=published)


def test_month_precision_needs_the_first_day(article_file):
    """A month-precision date must be the first of the month; the message says which day to use."""
    OutletFactory(slug="reuters")

    with pytest.raises(CommandError, match="use 2020-08-01"):
        import_article(article_file, precision="month")


def test_duplicate_slug_never_overwrites(article_file):
    """An existing article with the same slug is left untouched."""
    existing = ArticleFactory(slug="taken", text="Original text.", outlet=OutletFactory(slug="reuters"))

    with pytest.raises(CommandError, match="An article with slug 'taken' already exists"):
        import_article(article_file, slug="taken")
    existing.refresh_from_db()
    assert existing.text == "Original text."
    assert Article.objects.count() == 1


def test_text_that_is_not_utf8_is_refused(tmp_path):
    """A Latin-1 file is refused rather than imported with altered characters."""
    OutletFactory(slug="reuters")
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café".encode("latin-1"))

    with pytest.raises(CommandError, match="is not UTF-8"):
        import_article(path)


def test_missing_file_is_named(tmp_path):
    """A file that does not exist is named in the error."""
    OutletFactory(slug="reuters")

    with pytest.raises(CommandError, match="Cannot read .*missing.txt"):
        import_article(tmp_path / "missing.txt")
