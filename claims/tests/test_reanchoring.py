import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import reanchoring
from claims.models import Quote
from claims.tests.admin_pages import form_data
from claims.tests.conftest import DEBATE_TEXT, build_debate

pytestmark = pytest.mark.django_db

DENIAL = "We have never provided user data to the Chinese government, nor would we do so if asked"


def edit_article_text(article, text):
    article.text = text
    article.save()
    return article


def offsets_and_text():
    return list(Quote.objects.order_by("pk").values_list("pk", "start", "end", "text"))


def test_a_word_edited_inside_a_quote_gives_a_candidate_below_one_covering_the_edit():
    """A word edited inside a quote: the best candidate scores below 1 and covers the edited span."""
    debate = build_debate()
    edited = DEBATE_TEXT.replace("never provided user data", "never handed user data")
    edit_article_text(debate.article, edited)
    debate.denial_quote.refresh_from_db()

    candidates = reanchoring.quote_candidates(debate.denial_quote)

    best = candidates[0]
    edit_start = edited.index("handed")
    assert 0.8 < best.score < 1
    assert best.start <= edit_start < edit_start + len("handed") <= best.end
    assert (
        best.text == "We have never handed user data to the Chinese government, nor would we do so if asked"
    )
    assert best.kind == "similar"
    assert best.prefix.endswith('"') and best.suffix.startswith('," a company')


def test_a_moved_quote_has_a_candidate_scored_one_at_its_new_place():
    """A quote whose words moved has the same words, score 1, as its first candidate."""
    debate = build_debate()
    edit_article_text(debate.article, "UPDATED: a correction was appended. " + DEBATE_TEXT)
    debate.denial_quote.refresh_from_db()

    candidates = reanchoring.quote_candidates(debate.denial_quote)

    assert candidates[0].score == 1.0
    assert candidates[0].kind == "moved"
    assert candidates[0].start == debate.denial_quote.start + len("UPDATED: a correction was appended. ")


def test_candidates_do_not_overlap_and_are_bounded_best_first():
    """Candidates are non-overlapping, at most MAX_CANDIDATES, best first, on a long text."""
    sentence = "TikTok was feeding data directly to the Chinese Communist Party. "
    text = ("Unrelated filler words about weather and sport. " * 4000) + sentence * 3
    quote = "TikTok was sending data directly to the Chinese Communist Party"

    candidates = reanchoring.candidates(text, quote)

    assert 1 <= len(candidates) <= reanchoring.MAX_CANDIDATES
    assert [candidate.score for candidate in candidates] == sorted(
        (candidate.score for candidate in candidates), reverse=True
    )
    for index, candidate in enumerate(candidates):
        assert not any(candidate.overlaps(other) for other in candidates[index + 1 :])
    assert candidates[0].text == "TikTok was feeding data directly to the Chinese Communist Party"


def test_an_exact_quote_has_no_candidates():
    """An exact quote needs no proposal."""
    debate = build_debate()
    assert reanchoring.quote_candidates(debate.denial_quote) == []


def test_accepting_a_candidate_reanchors_the_quote_and_records_history():
    """Accepting sets offsets and text to the article's words there, with a history entry by the curator."""
    debate = build_debate()
    curator = User.objects.create_user("carla")
    edit_article_text(debate.article, DEBATE_TEXT.replace("never provided", "never handed"))
    quote = Quote.objects.get(pk=debate.denial_quote.pk)
    best = reanchoring.quote_candidates(quote)[0]
    history_before = quote.history.count()

    reanchoring.accept(quote, best.start, best.end, seen_version=quote.version, user=curator)

    quote.refresh_from_db()
    assert (quote.start, quote.end, quote.text) == (best.start, best.end, best.text)
    assert quote.verify() == "exact"
    assert quote.history.count() == history_before + 1
    latest = quote.history.first()
    assert latest.history_user == curator
    assert "Re-anchored by a curator" in latest.history_change_reason


def test_accepting_on_a_stale_page_is_refused():
    """A quote saved since the curator looked is not re-anchored."""
    debate = build_debate()
    edit_article_text(debate.article, DEBATE_TEXT.replace("never provided", "never handed"))
    quote = Quote.objects.get(pk=debate.denial_quote.pk)
    seen = quote.version
    quote.note = "Edited by someone else."
    quote.save()

    with pytest.raises(reanchoring.StaleQuote):
        reanchoring.accept(quote, 0, 10, seen_version=seen)

    quote.refresh_from_db()
    assert quote.text == DENIAL


# Nothing moves without a person.


def test_editing_article_text_by_save_moves_no_quote():
    """Article.save() with new text leaves every quote's offsets and text as they were."""
    debate = build_debate()
    before = offsets_and_text()

    edit_article_text(
        debate.article, "Prepended words. " + DEBATE_TEXT.replace("never provided", "never gave")
    )

    assert offsets_and_text() == before


def curator_client():
    user = User.objects.create_user("carla", is_staff=True)
    user.groups.add(Group.objects.get(name="curator"))
    client = APIClient()
    client.force_login(user)
    return client, user


def test_editing_article_text_in_the_admin_moves_no_quote_and_lists_candidates():
    """An admin edit of the text moves no quote; the article page then lists candidates with Accept."""
    debate = build_debate()
    before = offsets_and_text()
    client, _ = curator_client()
    url = reverse("admin:sources_article_change", args=[debate.article.pk])
    data = form_data(client.get(url))
    data["text"] = "Prepended words. " + DEBATE_TEXT.replace("never provided", "never gave")

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert offsets_and_text() == before
    page = client.get(url).content.decode()
    assert "candidate places" in page
    assert "never gave user data" in page
    assert page.count(">Accept</button>") >= 4


def test_editing_article_text_through_the_api_moves_no_quote():
    """A PATCH of the article's text through the API moves no quote."""
    debate = build_debate()
    before = offsets_and_text()
    user = User.objects.create_user("writer")
    user.user_permissions.set(Permission.objects.filter(codename="change_article"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    response = client.patch(
        f"/api/articles/{debate.article.slug}/", {"text": "New first words. " + DEBATE_TEXT}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert offsets_and_text() == before


def test_admin_accept_button_reanchors_one_quote():
    """The quote page's Accept re-anchors that quote and says so; the history names the curator."""
    debate = build_debate()
    edit_article_text(debate.article, DEBATE_TEXT.replace("never provided", "never handed"))
    client, user = curator_client()
    quote = debate.denial_quote
    page = client.get(reverse("admin:claims_quote_change", args=[quote.pk])).content.decode()
    assert "Accept" in page
    best = reanchoring.quote_candidates(Quote.objects.get(pk=quote.pk))[0]

    response = client.post(
        reverse("admin:claims_quote_anchor", args=[quote.pk]),
        {"start": best.start, "end": best.end, "seen_version": quote.version},
        follow=True,
    )

    assert "Re-anchored the quote" in response.content.decode()
    quote.refresh_from_db()
    assert quote.text.startswith("We have never handed user data")
    assert quote.history.first().history_user == user


def test_admin_accept_on_a_stale_page_is_refused_with_a_message():
    """An Accept posted with an old version moves nothing and says why."""
    debate = build_debate()
    edit_article_text(debate.article, DEBATE_TEXT.replace("never provided", "never handed"))
    client, _ = curator_client()
    quote = debate.denial_quote
    seen = quote.version
    Quote.objects.get(pk=quote.pk).save()

    response = client.post(
        reverse("admin:claims_quote_anchor", args=[quote.pk]),
        {"start": 0, "end": 10, "seen_version": seen},
        follow=True,
    )

    assert "saved by someone else" in response.content.decode()
    quote.refresh_from_db()
    assert quote.text == DENIAL


def test_admin_accept_needs_change_permission_on_quotes():
    """A staff user who cannot change quotes gets a 403 and the quote stays."""
    debate = build_debate()
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_quote"]))
    client = APIClient()
    client.force_login(user)
    quote = debate.denial_quote

    response = client.post(
        reverse("admin:claims_quote_anchor", args=[quote.pk]),
        {"start": 0, "end": 10, "seen_version": quote.version},
    )

    assert response.status_code == 403
    quote.refresh_from_db()
    assert quote.start == DEBATE_TEXT.index(DENIAL)


def test_api_lists_candidates_and_applies_one_with_if_match():
    """GET anchor-candidates lists scored places; POST anchor applies one, honouring If-Match."""
    debate = build_debate()
    edit_article_text(debate.article, DEBATE_TEXT.replace("never provided", "never handed"))
    quote = debate.denial_quote
    user = User.objects.create_user("writer")
    user.user_permissions.set(Permission.objects.filter(codename="change_quote"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    listed = client.get(f"/api/quotes/{quote.pk}/anchor-candidates/").json()
    assert listed["status"] == "orphaned"
    best = listed["candidates"][0]
    assert 0 < best["score"] < 1

    stale = client.post(
        f"/api/quotes/{quote.pk}/anchor/",
        {"start": best["start"], "end": best["end"]},
        format="json",
        HTTP_IF_MATCH='"999"',
    )
    assert stale.status_code == 412
    wrong_text = client.post(
        f"/api/quotes/{quote.pk}/anchor/",
        {"start": best["start"], "end": best["end"], "text": "other words"},
        format="json",
    )
    assert wrong_text.status_code == 400
    assert "text" in wrong_text.json()
    applied = client.post(
        f"/api/quotes/{quote.pk}/anchor/",
        {"start": best["start"], "end": best["end"], "text": best["text"]},
        format="json",
        HTTP_IF_MATCH=f'"{quote.version}"',
    )

    assert applied.status_code == 200, applied.json()
    assert applied.json()["status"] == "exact"
    assert applied["ETag"] == f'"{quote.version + 1}"'
    quote.refresh_from_db()
    assert quote.text == best["text"]


def test_api_anchor_refuses_bad_input_and_readers():
    """Missing offsets are a 400 naming start; an anonymous or read-only caller cannot re-anchor."""
    debate = build_debate()
    quote = debate.denial_quote
    assert APIClient().post(f"/api/quotes/{quote.pk}/anchor/", {"start": 0, "end": 5}).status_code in {
        401,
        403,
    }
    user = User.objects.create_user("writer")
    user.user_permissions.set(Permission.objects.filter(codename__in=["change_quote"]))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    response = client.post(f"/api/quotes/{quote.pk}/anchor/", {"end": "x"}, format="json")

    assert response.status_code == 400
    assert "start" in response.json() and "end" in response.json()
    beyond = client.post(f"/api/quotes/{quote.pk}/anchor/", {"start": 0, "end": 10**6}, format="json")
    assert beyond.status_code == 400
    assert "start" in beyond.json()
