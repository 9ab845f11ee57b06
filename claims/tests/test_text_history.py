"""An article's text edits in its admin history: a word diff and the quotes each edit touched."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Quote
from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import QuoteFactory
from claims.text_history import word_diff
from sources.tests.factories import ARTICLE_TEXT, ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, django_user_model):
    user = django_user_model.objects.create_user("carla", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    client.force_login(user)
    return client


def edit_text(client, article, text):
    """Save the article's change form with a new text, as a curator does."""
    url = reverse("admin:sources_article_change", args=[article.pk])
    data = form_data(client.get(url))
    data["text"] = text
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)


def test_word_diff_marks_removed_and_added_words_and_the_changed_span():
    """One word replaced, one appended: removed and added chunks, changed spans in the old text."""
    chunks, changed = word_diff("the app could collect data", "the app might collect data today")

    assert [(chunk.kind, chunk.text) for chunk in chunks] == [
        ("same", "the app "),
        ("removed", "could"),
        ("added", "might"),
        ("same", " collect data"),
        ("added", " today"),
    ]
    assert changed == [(8, 13), (26, 26)]


def test_long_unchanged_stretches_are_cut():
    """Words far from any change are replaced by an ellipsis."""
    words = [f"w{number}" for number in range(100)]
    chunks, _ = word_diff(" ".join(words), " ".join([*words[:50], "new", *words[51:]]))

    same = "".join(chunk.text for chunk in chunks if chunk.kind == "same")
    assert "w10 " not in same and "w38 " in same and "w62" in same and "w90" not in same
    assert same.count("…") == 2


def test_history_links_a_text_edit_to_its_diff_and_the_quotes_it_touched(curator_client):
    """An edit inside a quote: the diff page shows the words and that quote, now orphaned; others not."""
    article = ArticleFactory()
    touched = QuoteFactory(article=article, text="the app could be used to collect data")
    untouched = QuoteFactory(article=article, text="its data was stored in the United States")
    edit_text(curator_client, article, ARTICLE_TEXT.replace("could be used", "might be used"))

    history = curator_client.get(reverse("admin:sources_article_history", args=[article.pk]))
    record = article.history.latest()
    diff_url = reverse("admin:sources_article_text_history", args=[article.pk, record.history_id])
    assert diff_url in history.content.decode()

    response = curator_client.get(diff_url)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<del><span class="visually-hidden">removed: </span>could</del>' in html
    assert '<ins><span class="visually-hidden">added: </span>might</ins>' in html
    assert "1 word removed, 1 added" in page_text(response)
    assert reverse("admin:claims_quote_change", args=[touched.pk]) in html
    assert reverse("admin:claims_quote_change", args=[untouched.pk]) not in html
    assert "Orphaned: not found once in the article" in page_text(response)
    assert "by carla" in page_text(response)


def test_a_quote_moved_by_an_edit_is_listed_as_moved_and_keeps_its_offsets(curator_client):
    """Two sentences swapped: the quote was removed and added elsewhere, so it is moved; offsets kept."""
    article = ArticleFactory()
    quote = QuoteFactory(article=article, text="the app could be used to collect data")
    offsets = (quote.start, quote.end)
    second_at, third_at = ARTICLE_TEXT.index('"We have'), ARTICLE_TEXT.index("The company")
    first, second, third = ARTICLE_TEXT[:second_at], ARTICLE_TEXT[second_at:third_at], ARTICLE_TEXT[third_at:]
    edit_text(curator_client, article, second + first + third)

    record = article.history.latest()
    response = curator_client.get(
        reverse("admin:sources_article_text_history", args=[article.pk, record.history_id])
    )

    assert "“the app could be used to collect data” 15–52 Moved: found once elsewhere" in page_text(response)
    quote = Quote.objects.get(pk=quote.pk)
    assert (quote.start, quote.end) == offsets


def test_an_edit_of_other_fields_has_no_diff_link(curator_client):
    """A headline edit leaves the history's text column without a diff link."""
    article = ArticleFactory()
    url = reverse("admin:sources_article_change", args=[article.pk])
    data = form_data(curator_client.get(url))
    data["headline"] = "A new headline"
    assert curator_client.post(url, data).status_code == 302

    history = curator_client.get(reverse("admin:sources_article_history", args=[article.pk]))

    assert "/text/" not in history.content.decode()
    assert "first version" in page_text(history)


def test_the_history_list_costs_the_same_queries_for_more_edits(
    curator_client, django_assert_max_num_queries
):
    """The text column compares neighbouring versions on the page: no query per row."""
    article = ArticleFactory()
    for number in range(3):
        edit_text(curator_client, article, ARTICLE_TEXT + f" Update {number}.")
    url = reverse("admin:sources_article_history", args=[article.pk])
    with CaptureQueriesContext(connection) as few:
        assert curator_client.get(url).status_code == 200
    queries_for_three = len(few.captured_queries)  # now: each request resets the log
    for number in range(3, 9):
        edit_text(curator_client, article, ARTICLE_TEXT + f" Update {number}.")

    with django_assert_max_num_queries(queries_for_three):
        history = curator_client.get(url)

    assert history.content.decode().count("words changed") == 9


def test_the_diff_page_needs_the_history_permission(client, django_user_model):
    """Staff without any article permission get 403; an unknown version is a 404."""
    article = ArticleFactory()
    record = article.history.latest()
    client.force_login(django_user_model.objects.create_user("visitor", is_staff=True))

    response = client.get(reverse("admin:sources_article_text_history", args=[article.pk, record.history_id]))

    assert response.status_code == 403
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "unused"))
    missing = client.get(reverse("admin:sources_article_text_history", args=[article.pk, 999999]))
    assert missing.status_code == 404
