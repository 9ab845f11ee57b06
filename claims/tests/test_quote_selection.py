"""Quote from a selection: POST /api/quotes/from-selection/ and the article page's panel."""

import re

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from claims.models import Claim, Quote
from claims.selection import place_selection
from claims.tests.factories import ClaimFactory, QuoteFactory, SpeakerFactory
from sources.tests.factories import ARTICLE_TEXT, ArticleFactory

pytestmark = pytest.mark.django_db

URL = "/api/quotes/from-selection/"
WORDS = "We have never provided user data to the Chinese government"


def user_with(*codenames, username="curator"):
    user = User.objects.create_user(username, password="a long test password")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def curator_client():
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user_with("add_quote", "add_claim"))
    return client


def csrf_post(client, body):
    """POST as the page does: the CSRF cookie's token in X-CSRFToken."""
    token = "t" * 32
    client.cookies["csrftoken"] = token
    return client.post(URL, body, format="json", HTTP_X_CSRFTOKEN=token)


def selection(article, words=WORDS, **changes):
    start = article.text.index(words)
    body = {
        "article": article.slug,
        "text": words,
        "start": start,
        "end": start + len(words),
        "prefix": article.text[max(0, start - 32) : start],
        "suffix": article.text[start + len(words) : start + len(words) + 32],
        "mode": "direct",
        "attribution": "a spokesperson said",
    }
    body.update(changes)
    return body


def test_exact_selection_is_saved_with_its_offsets_and_history(curator_client):
    """An exact selection becomes a quote at its offsets, with a history entry naming the user."""
    article, claim = ArticleFactory(), ClaimFactory()

    response = csrf_post(curator_client, selection(article, claim=claim.pk))

    assert response.status_code == 201, response.json()
    quote = Quote.objects.get(pk=response.json()["id"])
    assert article.text[quote.start : quote.end] == WORDS
    assert (quote.claim, quote.mode, quote.verify()) == (claim, "direct", "exact")
    assert quote.history.get().history_user.username == "curator"


def test_selection_can_start_a_new_claim(curator_client):
    """new_claim creates the claim (key from speaker and summary) and its first quote."""
    article, speaker = ArticleFactory(), SpeakerFactory(slug="tiktok-spokesperson")
    new_claim = {
        "speaker": speaker.slug,
        "summary": "TikTok never gave user data to China.",
        "claim_type": "denial",
        "said_on": "2020-08-01",
        "said_on_precision": "month",
    }

    response = csrf_post(curator_client, selection(article, new_claim=new_claim))

    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(summary=new_claim["summary"])
    assert claim.key.startswith("tiktok-spokesperson-tiktok-never-gave")
    assert claim.said_on_display == "August 2020"
    assert claim.quotes.get().text == WORDS


def test_text_not_at_the_offsets_is_refused_naming_start(curator_client):
    """Offsets that do not hold the text: 400 naming start, with the stored words."""
    article, claim = ArticleFactory(), ClaimFactory()
    body = selection(article, claim=claim.pk)
    body["start"] += 1
    body["end"] += 1

    response = csrf_post(curator_client, body)

    assert response.status_code == 400
    assert "e have never provided" in response.json()["start"][0]
    assert not Quote.objects.exists()


def test_missing_text_is_refused_with_the_reason(curator_client):
    """Words not in the article, without offsets: 400 naming text."""
    article, claim = ArticleFactory(), ClaimFactory()
    body = selection(article, claim=claim.pk, text="TikTok sold the data", start=None, end=None)
    body.update(prefix="", suffix="")

    response = csrf_post(curator_client, body)

    assert response.status_code == 400
    assert response.json()["text"] == ["The quote is not in the article's text."]


def test_ambiguous_text_is_refused_unless_the_context_picks_one(curator_client):
    """'said' occurs three times: refused without context; the prefix and suffix pick one."""
    article, claim = ArticleFactory(), ClaimFactory()
    body = selection(article, claim=claim.pk, text="said", start=None, end=None, prefix="", suffix="")

    response = csrf_post(curator_client, body)

    assert response.status_code == 400
    assert "occurs 3 times" in response.json()["text"][0]
    body.update(prefix="The company ", suffix=" its data")
    response = csrf_post(curator_client, body)
    assert response.status_code == 201, response.json()
    assert Quote.objects.get().start == ARTICLE_TEXT.index("said its data")


@pytest.mark.parametrize("field", ["prefix", "suffix"])
def test_context_that_does_not_match_is_refused_naming_it(curator_client, field):
    """A prefix or suffix unlike the stored words around the selection: 400 naming it."""
    article, claim = ArticleFactory(), ClaimFactory()
    body = selection(article, claim=claim.pk, **{field: "something else"})

    response = csrf_post(curator_client, body)

    assert response.status_code == 400
    assert "not “something else”" in response.json()[field][0]


def test_claim_or_new_claim_is_required(curator_client):
    """Neither claim nor new_claim: 400 naming claim."""
    response = csrf_post(curator_client, selection(ArticleFactory()))

    assert response.status_code == 400
    assert "claim" in response.json()


def test_a_duplicate_quote_is_refused_not_a_500(curator_client):
    """The same words for the same claim again: a 400 from the model's constraint check."""
    quote = QuoteFactory()

    response = csrf_post(
        curator_client, selection(quote.article, words=quote.text, claim=quote.claim_id, mode="reported")
    )

    assert response.status_code == 400
    assert Quote.objects.count() == 1


def test_without_the_permission_is_forbidden():
    """A signed-in user without claims.add_quote: 403, nothing saved."""
    client = APIClient()
    client.force_login(user_with("view_quote"))

    response = client.post(URL, selection(ArticleFactory(), claim=ClaimFactory().pk), format="json")

    assert response.status_code == 403
    assert not Quote.objects.exists()


def test_new_claim_needs_the_add_claim_permission():
    """claims.add_quote alone may attach to a claim but not start one: 403."""
    client = APIClient()
    client.force_login(user_with("add_quote"))
    new_claim = {
        "speaker": SpeakerFactory().slug,
        "summary": "x",
        "claim_type": "denial",
        "said_on": "2020-08-01",
    }

    response = client.post(URL, selection(ArticleFactory(), new_claim=new_claim), format="json")

    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_anonymous_is_refused():
    """No session: 401 or 403, nothing saved."""
    response = APIClient().post(URL, selection(ArticleFactory(), claim=ClaimFactory().pk), format="json")

    assert response.status_code in (401, 403)
    assert not Quote.objects.exists()


def test_session_write_without_csrf_token_is_refused():
    """A session POST without the CSRF token is refused (403)."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user_with("add_quote"))

    response = client.post(URL, selection(ArticleFactory(), claim=ClaimFactory().pk), format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_place_selection_checks_offsets_beyond_the_text():
    """Offsets past the end of the text are refused, naming start."""
    with pytest.raises(Exception, match="not the selection"):
        place_selection("short text", "text", 40, 44)


# The article page


def test_visitors_get_no_script_and_no_offsets(client):
    """A visitor's article page has no script, no panel and no offset attributes."""
    article = ArticleFactory()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "quote-selection.js" not in html
    assert "article-stored-text" not in html
    assert "data-offset" not in html
    assert "New quote from selection" not in html


def test_curators_get_the_script_panel_and_offsets(client):
    """A user with claims.add_quote gets one script file, the panel, and text segments carrying offsets."""
    article = ArticleFactory(text="First paragraph.\n\nSecond one,\nwith a line break.")
    QuoteFactory(article=article, text="Second one")
    client.force_login(user_with("add_quote"))

    html = client.get(article.get_absolute_url()).content.decode()

    assert re.findall(r'<script[^>]* src="([^"]+)"', html).count("/static/js/quote-selection.js") == 1
    assert '<script id="article-stored-text" type="application/json">' in html
    assert "New quote from selection" in html
    assert 'data-offset="0">First paragraph.</span>' in html
    assert 'data-offset="18">Second one</span>' in html
    assert 'data-offset="28">,<br>with a line break.</span>' in html


@pytest.mark.parametrize(
    ("field", "value"),
    [("claim", 10**30), ("claim", "x"), ("start", 10**30), ("text", "nul\x00byte"), ("article", "no-such")],
)
def test_bad_values_are_a_400_naming_the_field(curator_client, field, value):
    """Huge ids, NUL bytes, unknown articles: 400 naming the field, never a 500."""
    body = selection(ArticleFactory(), claim=ClaimFactory().pk)
    body[field] = value

    response = csrf_post(curator_client, body)

    assert response.status_code == 400
    assert field in response.json()
