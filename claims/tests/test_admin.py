import threading
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.forms import modelform_factory
from django.test import Client
from django.urls import reverse

from claims.forms import VersionedForm
from claims.models import Claim, ClaimType, Quote, QuoteMode, Speaker
from claims.tests.admin_pages import form_data, page_text
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from sources.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SPOKESPERSON = '"We have never provided user data to the Chinese government," a spokesperson said.'


def member_of(django_user_model, group, username):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(django_user_model):
    return member_of(django_user_model, "curator", "carla")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "unused"))
    return client


def add_claim_data(curator_client, speaker, **quote):
    """The add-claim form filled in as a curator would, with one quote."""
    data = form_data(curator_client.get(reverse("admin:claims_claim_add")))
    data.update(
        {
            "summary": "TikTok says it never gave user data to China.",
            "key": "tiktok-never-gave-data",
            "speaker": str(speaker.pk),
            "claim_type": ClaimType.DENIAL,
            "said_on": "2020-08-13",
            "said_on_precision": "day",
            "quotes-0-mode": QuoteMode.DIRECT,
        }
    )
    data.update({f"quotes-0-{name}": value for name, value in quote.items()})
    return data


def test_adding_a_claim_with_a_pasted_quote_computes_its_offsets(curator_client):
    """A curator pastes the quote and picks the article; the offsets are computed."""
    article, speaker = ArticleFactory(), SpeakerFactory()
    data = add_claim_data(curator_client, speaker, article=article.pk, text=SPOKESPERSON)

    response = curator_client.post(reverse("admin:claims_claim_add"), data)

    assert response.status_code == 302, page_text(response)
    quote = Quote.objects.get(claim__key="tiktok-never-gave-data")
    assert article.text[quote.start : quote.end] == SPOKESPERSON
    assert quote.start == article.text.index(SPOKESPERSON)
    assert quote.verify() == "exact"


def test_a_quote_not_in_the_article_is_refused_with_the_reason(curator_client):
    """A quote the article does not contain is refused, saying so, and nothing is saved."""
    data = add_claim_data(
        curator_client, SpeakerFactory(), article=ArticleFactory().pk, text="TikTok shares all data."
    )

    response = curator_client.post(reverse("admin:claims_claim_add"), data)

    assert response.status_code == 200
    assert "The quote is not in the article's text." in page_text(response)
    assert not Claim.objects.exists()


def test_a_repeated_quote_needs_an_occurrence(curator_client):
    """Text found twice is refused with the count; the occurrence hint picks one."""
    article = ArticleFactory(text="Data stays here. Officials said so. Data stays here.")
    data = add_claim_data(curator_client, SpeakerFactory(), article=article.pk, text="Data stays here.")

    refused = curator_client.post(reverse("admin:claims_claim_add"), data)

    assert "The quote occurs 2 times in the article; say which occurrence (1 to 2)." in page_text(refused)
    data["quotes-0-occurrence"] = "2"
    accepted = curator_client.post(reverse("admin:claims_claim_add"), data)
    assert accepted.status_code == 302, page_text(accepted)
    second = article.text.rindex("Data stays here.")
    assert (Quote.objects.get().start, Quote.objects.get().end) == (second, second + 16)


def test_typed_offsets_that_do_not_hold_the_quote_are_refused(curator_client):
    """Offsets typed by hand are checked against the article's text."""
    article = ArticleFactory()
    data = add_claim_data(curator_client, SpeakerFactory(), article=article.pk, text=SPOKESPERSON)
    data.update({"quotes-0-start": "0", "quotes-0-end": str(len(SPOKESPERSON))})

    response = curator_client.post(reverse("admin:claims_claim_add"), data)

    assert "The article's text at 0–" in page_text(response)
    assert "not the quote" in page_text(response)
    assert not Quote.objects.exists()


def test_quote_list_shows_each_quotes_anchor_status(curator_client):
    """The quote list says whether each quote is exact, moved or orphaned."""
    QuoteFactory(text="the app could be used to collect data")
    article = ArticleFactory(text="Preface. Officials said the app could be used to collect data.")
    QuoteFactory(article=article, text="the app could be used to collect data", start=0, end=37)

    text = page_text(curator_client.get(reverse("admin:claims_quote_changelist")))

    assert "exact" in text
    assert "Moved: found once elsewhere, the offsets are stale" in text


def test_reanchor_action_moves_only_moved_quotes(curator_client):
    """The explicit re-anchor action fixes a moved quote and leaves an orphaned one alone."""
    article = ArticleFactory(text="Preface. Officials said the app could be used to collect data.")
    moved = QuoteFactory(article=article, text="the app could be used to collect data", start=0, end=37)
    orphaned = QuoteFactory(article=article, text="words never written", start=0, end=19)

    response = curator_client.post(
        reverse("admin:claims_quote_changelist"),
        {"action": "reanchor_moved_quotes", "_selected_action": [moved.pk, orphaned.pk]},
        follow=True,
    )

    moved.refresh_from_db()
    orphaned.refresh_from_db()
    assert article.text[moved.start : moved.end] == moved.text
    assert moved.version == 2
    assert (orphaned.start, orphaned.end) == (0, 19)
    assert "Re-anchored 1 moved quote(s)" in page_text(response)
    assert "Left “words never written” unchanged: it is Orphaned" in page_text(response)


def test_claim_page_lists_quotes_and_rebuttals_both_ways(curator_client):
    """The claim page shows its quotes, the claims it rebuts and the claims rebutting it."""
    claim = ClaimFactory(summary="TikTok gives data to Beijing.")
    QuoteFactory(claim=claim)
    RebuttalFactory(rebutted_claim=claim, rebutting_claim=ClaimFactory(summary="We never shared data."))
    RebuttalFactory(rebutting_claim=claim, rebutted_claim=ClaimFactory(summary="The data is safe."))

    text = page_text(curator_client.get(reverse("admin:claims_claim_change", args=[claim.pk])))

    assert "the app could be used to collect data" in text
    assert "This claim is rebutted by" in text and "We never shared data." in text
    assert "This claim rebuts" in text and "The data is safe." in text


def test_view_on_site_leads_to_the_public_claim_page(curator_client):
    """The claim's admin page links to its public page."""
    claim = ClaimFactory()
    page = curator_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    shortcut = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(claim).pk, claim.pk])

    assert shortcut in page
    assert curator_client.get(shortcut)["Location"].endswith(f"/claims/{claim.pk}/")


def test_history_page_shows_who_changed_what_and_when(curator_client, curator):
    """After an edit, the claim's history names the curator, the field and old -> new values."""
    claim = ClaimFactory(summary="Old summary.")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(curator_client.get(url))
    data["summary"] = "New summary."
    assert curator_client.post(url, data).status_code == 302

    response = curator_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))

    text = page_text(response)
    assert "carla" in text
    assert "Summary: Old summary. → New summary." in text
    assert "/admin/auth/user/" not in response.content.decode()
    latest = claim.history.first()
    assert latest.history_user == curator and latest.version == 2


def test_restoring_an_earlier_version_brings_back_its_values(curator_client):
    """A curator restores an earlier version from the history page; the change is recorded too."""
    claim = ClaimFactory(summary="Original summary.")
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(curator_client.get(change_url))
    data["summary"] = "A mistaken edit."
    curator_client.post(change_url, data)
    original = claim.history.get(version=1)

    revert_url = reverse("admin:claims_claim_simple_history", args=[claim.pk, original.history_id])
    revert_page = curator_client.get(revert_url)
    assert "Original summary." in page_text(revert_page)
    response = curator_client.post(revert_url, form_data(revert_page))

    assert response.status_code == 302, page_text(response)
    claim.refresh_from_db()
    assert claim.summary == "Original summary."
    assert claim.version == 3
    assert claim.history.count() == 3


def test_curator_cannot_delete_or_manage_users(curator_client):
    """Curators add and change but never delete, and see no users or groups."""
    claim = ClaimFactory()

    assert curator_client.get(reverse("admin:claims_claim_delete", args=[claim.pk])).status_code == 403
    assert (
        curator_client.post(
            reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert curator_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert curator_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    changelist = page_text(curator_client.get(reverse("admin:claims_claim_changelist")))
    assert "Delete selected" not in changelist
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_reviewer_can_read_but_not_change(client, django_user_model):
    """A reviewer sees claims and their history but cannot save them."""
    client.force_login(member_of(django_user_model, "reviewer", "rita"))
    claim = ClaimFactory(summary="Read me.")
    QuoteFactory(claim=claim)
    RebuttalFactory(rebutted_claim=claim)
    url = reverse("admin:claims_claim_change", args=[claim.pk])

    page = client.get(url)

    assert page.status_code == 200 and "Read me." in page_text(page)
    assert "the app could be used to collect data" in page_text(page)
    assert "Seen version" not in page_text(page)
    speaker_page = client.get(reverse("admin:claims_speaker_change", args=[claim.speaker.pk]))
    assert "Seen version" not in page_text(speaker_page)
    assert client.post(url, {"summary": "Changed."}).status_code == 403
    assert client.get(reverse("admin:claims_claim_add")).status_code == 403
    assert client.get(reverse("admin:claims_claim_history", args=[claim.pk])).status_code == 200


def test_deleting_a_speaker_with_claims_is_refused_naming_them(superuser_client):
    """Even a superuser cannot delete a speaker others hang on; the page names the dependents."""
    speaker = SpeakerFactory(name="Mike Pompeo")
    ClaimFactory(speaker=speaker, summary="TikTok shares data with the CCP.")
    url = reverse("admin:claims_speaker_delete", args=[speaker.pk])

    response = superuser_client.post(url, {"post": "yes"})

    text = page_text(response)
    assert "would require deleting the following protected related objects" in text
    assert "TikTok shares data with the CCP." in text
    assert Speaker.objects.filter(pk=speaker.pk).exists()


def test_superuser_can_delete_a_row_nothing_hangs_on(superuser_client):
    """Deleting is possible for a superuser when nothing depends on the row, and is recorded."""
    speaker = SpeakerFactory()

    superuser_client.post(reverse("admin:claims_speaker_delete", args=[speaker.pk]), {"post": "yes"})

    assert not Speaker.objects.filter(pk=speaker.pk).exists()
    assert speaker.history.first().history_type == "-"


def test_a_stale_save_is_refused_showing_what_changed(curator, django_user_model):
    """Two curators open the same claim; the second save is refused with the first one's change."""
    claim = ClaimFactory(summary="Pompeo said TikTok shares data.")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    first, second = Client(), Client()
    first.force_login(curator)
    second.force_login(member_of(django_user_model, "curator", "dana"))
    first_form, second_form = form_data(first.get(url)), form_data(second.get(url))

    first_form["summary"] = "Pompeo said TikTok shares data with the CCP."
    assert first.post(url, first_form).status_code == 302
    second_form["venue"] = "Fox News"
    refused = second.post(url, second_form)

    text = page_text(refused)
    assert refused.status_code == 200
    assert "carla saved this claim after you opened it" in text
    assert (
        "Summary: “Pompeo said TikTok shares data.” -> “Pompeo said TikTok shares data with the CCP.”" in text
    )
    assert "Your changes were not saved." in text
    claim.refresh_from_db()
    assert claim.summary == "Pompeo said TikTok shares data with the CCP."
    assert claim.venue == ""
    assert claim.version == 2


def test_a_stale_quote_in_the_claim_page_is_refused(curator_client):
    """A quote edited elsewhere since the claim page was opened is not overwritten."""
    quote = QuoteFactory(note="")
    url = reverse("admin:claims_claim_change", args=[quote.claim.pk])
    data = form_data(curator_client.get(url))
    quote.note = "Checked against the print edition."
    quote.save()

    data["quotes-0-attribution"] = "A spokesperson said"
    response = curator_client.post(url, data)

    assert "saved this quote after you opened it" in page_text(response)
    assert "Note: (empty) -> “Checked against the print edition.”" in page_text(response)
    quote.refresh_from_db()
    assert quote.attribution == "Officials said"


def test_every_save_counts_the_version():
    """Each save of a curated row increments its version, whoever makes it."""
    claim = ClaimFactory()
    claim.summary = "Edited."
    claim.save()
    claim.save()

    assert Claim.objects.get(pk=claim.pk).version == 3
    assert [record.version for record in claim.history.order_by("history_date")] == [1, 2, 3]


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:claims_claim_changelist",
        "admin:claims_quote_changelist",
        "admin:claims_rebuttal_changelist",
        "admin:claims_speaker_changelist",
        "admin:claims_topic_changelist",
    ],
)
def test_changelists_keep_a_fixed_query_budget(curator_client, changelist, django_assert_max_num_queries):
    """A list page's query count does not grow with its rows."""
    for _ in range(15):
        RebuttalFactory()
        QuoteFactory()

    with django_assert_max_num_queries(12):
        response = curator_client.get(reverse(changelist))

    assert response.status_code == 200


def test_claim_search_and_autocomplete_find_claims(curator_client):
    """The claim list searches summaries and speakers; autocomplete offers claims by summary."""
    ClaimFactory(summary="TikTok stores US data in Virginia.", speaker=SpeakerFactory(name="Vanessa Pappas"))
    ClaimFactory(summary="Unrelated.")

    listed = page_text(curator_client.get(reverse("admin:claims_claim_changelist"), {"q": "Pappas"}))
    found = curator_client.get(
        reverse("admin:autocomplete"),
        {"term": "Virginia", "app_label": "claims", "model_name": "rebuttal", "field_name": "rebutted_claim"},
    ).json()

    assert "TikTok stores US data in Virginia." in listed and "Unrelated." not in listed
    assert [result["text"] for result in found["results"]] == ["TikTok stores US data in Virginia."]


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="row locks (SELECT ... FOR UPDATE) exist on PostgreSQL only; SQLite serialises writers",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_saves_cannot_both_pass_the_version_check():
    """Two connections saving the same version at once: the row lock lets exactly one through."""
    claim = ClaimFactory()
    ClaimForm = modelform_factory(
        Claim,
        form=VersionedForm,
        fields=["summary", "key", "speaker", "claim_type", "said_on", "said_on_precision", "seen_version"],
    )
    both_loaded = threading.Barrier(2)
    accepted = {}

    def save(summary):
        try:
            with transaction.atomic():
                data = {
                    "summary": summary,
                    "key": claim.key,
                    "speaker": claim.speaker_id,
                    "claim_type": claim.claim_type,
                    "said_on": claim.said_on,
                    "said_on_precision": claim.said_on_precision,
                    "seen_version": "1",
                }
                form = ClaimForm(data, instance=Claim.objects.get(pk=claim.pk))
                both_loaded.wait(timeout=10)
                accepted[summary] = form.is_valid()
                if accepted[summary]:
                    form.save()
                    time.sleep(0.3)  # hold the lock while the other connection checks
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(summary,)) for summary in ("First.", "Second.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(accepted.values()) == [False, True]
    saved = Claim.objects.get(pk=claim.pk)
    assert saved.version == 2
    assert accepted[saved.summary] is True


@pytest.mark.parametrize("model", ["topic", "speaker", "claim", "quote", "rebuttal"])
def test_every_add_and_change_page_opens_for_a_curator(curator_client, model):
    """The add page and a change page of every claims model open for a curator."""
    rebuttal = RebuttalFactory()
    quote = QuoteFactory(claim=rebuttal.rebutted_claim)
    rows = {
        "topic": TopicFactory(),
        "speaker": quote.claim.speaker,
        "claim": quote.claim,
        "quote": quote,
        "rebuttal": rebuttal,
    }

    assert curator_client.get(reverse(f"admin:claims_{model}_add")).status_code == 200
    change = curator_client.get(reverse(f"admin:claims_{model}_change", args=[rows[model].pk]))
    assert change.status_code == 200
    assert 'name="seen_version"' in change.content.decode() or model == "topic"
