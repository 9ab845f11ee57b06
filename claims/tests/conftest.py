"""Fixtures for the page tests: a small debate built with factories; browsers signed in."""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from claims.models import ClaimType, QuoteMode, RebuttalRelation, Side, SpeakerKind
from claims.tests.factories import (
    ClaimFactory,
    QuoteFactory,
    RebuttalFactory,
    SpeakerFactory,
    TopicFactory,
)
from sources.tests.factories import ArticleFactory, OutletFactory

DEBATE_TEXT = (
    "WASHINGTON — Secretary of State Mike Pompeo said on Monday that TikTok was feeding data "
    "directly to the Chinese Communist Party. He offered no evidence.\n\n"
    'TikTok rejected the claim. "We have never provided user data to the Chinese government, '
    'nor would we do so if asked," a company spokesperson said in a statement.\n\n'
    "Researchers at Citizen Lab found no overt data transmission to China in the app's code, "
    "though they said the app collected data similar to other social media apps."
)


def quote_at(claim, article, words, **extra):
    """A quote of these exact words of the article, attached to claim."""
    start = article.text.index(words)
    return QuoteFactory(
        claim=claim, article=article, text=words, start=start, end=start + len(words), **extra
    )


def build_debate():
    """Three speakers on three sides, four claims, two rebuttals, one article quoting them all."""
    government = SpeakerFactory(
        name="U.S. Department of State", slug="state-department", kind=SpeakerKind.GOVERNMENT_BODY
    )
    pompeo = SpeakerFactory(
        name="Mike Pompeo",
        slug="mike-pompeo",
        role="U.S. Secretary of State",
        affiliation=government,
        side=Side.US_GOVERNMENT,
    )
    tiktok = SpeakerFactory(
        name="TikTok", slug="tiktok", kind=SpeakerKind.COMPANY, side=Side.TIKTOK_BYTEDANCE
    )
    citizen_lab = SpeakerFactory(
        name="Citizen Lab", slug="citizen-lab", kind=SpeakerKind.REPORT, side=Side.INDEPENDENT
    )
    data_topic = TopicFactory(name="Data access", slug="data-access")
    outlet = OutletFactory(name="Reuters", slug="reuters")
    article = ArticleFactory(
        outlet=outlet,
        headline="Pompeo says TikTok feeds data to Chinese Communist Party",
        slug="pompeo-tiktok-feeds-data",
        url="https://example.org/pompeo-tiktok",
        published_on=datetime.date(2020, 8, 3),
        text=DEBATE_TEXT,
    )
    allegation = ClaimFactory(
        key="pompeo-feeding-data",
        speaker=pompeo,
        summary="TikTok feeds user data directly to the Chinese Communist Party.",
        claim_type=ClaimType.ALLEGATION,
        said_on=datetime.date(2020, 8, 3),
        venue="Press briefing, Washington",
    )
    allegation.topics.add(data_topic)
    denial = ClaimFactory(
        key="tiktok-never-provided",
        speaker=tiktok,
        summary="TikTok has never provided user data to the Chinese government.",
        claim_type=ClaimType.DENIAL,
        said_on=datetime.date(2020, 8, 1),
        said_on_precision="month",
    )
    finding = ClaimFactory(
        key="citizen-lab-no-transmission",
        speaker=citizen_lab,
        summary="No overt data transmission to China was found in the app's code.",
        claim_type=ClaimType.FINDING,
        said_on=datetime.date(2021, 3, 22),
    )
    earlier = ClaimFactory(
        key="pompeo-earlier",
        speaker=pompeo,
        summary="Apps like TikTok put Americans' private information at risk.",
        said_on=datetime.date(2020, 7, 6),
    )
    allegation_quote = quote_at(
        allegation,
        article,
        "TikTok was feeding data directly to the Chinese Communist Party",
        mode=QuoteMode.REPORTED,
        attribution="Mike Pompeo said on Monday",
    )
    # Two quotes overlap: the denial's full sentence and a fragment of it for the later claim.
    denial_quote = quote_at(
        denial,
        article,
        "We have never provided user data to the Chinese government, nor would we do so if asked",
        mode=QuoteMode.DIRECT,
        attribution="a company spokesperson said in a statement",
    )
    finding_quote = quote_at(finding, article, "found no overt data transmission to China")
    fragment_quote = quote_at(earlier, article, "user data to the Chinese government")
    denies = RebuttalFactory(
        rebutting_claim=denial,
        rebutted_claim=allegation,
        relation=RebuttalRelation.DENIES,
        note="The company answers the allegation directly.",
    )
    disputes = RebuttalFactory(
        rebutting_claim=finding, rebutted_claim=allegation, relation=RebuttalRelation.DISPUTES, note=""
    )
    return SimpleNamespace(**locals())


@pytest.fixture
def debate(db):
    """A small debate built with factories."""
    return build_debate()


@pytest.fixture
def signed_in_context(live_server, roles):
    """A function making a browser context (1280 x 900) whose session cookie signs a user in.

    With roles: the permissions and groups exist even when an earlier serialized_rollback test
    flushed them away (Django skips post_migrate after such a flush).
    """

    def context_for(browser, user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return context

    return context_for


@pytest.fixture(autouse=True)
def unhurried_counts(monkeypatch):
    """Pages count facets, totals and the timeline's drawing at once however loaded the machine.

    The suite runs background work in the request (READ_CACHE_BACKGROUND=0): a figure out of its
    budget would add the background's queries to the page's. "counting…" tests set budgets.
    """
    from claims import facets, listing
    from claims.timeline import drawing

    monkeypatch.setattr(facets, "FACET_BUDGET_MS", 60_000)
    monkeypatch.setattr(listing, "COUNT_BUDGET_MS", 60_000)
    monkeypatch.setattr(listing, "CAPPED_COUNT_BUDGET_MS", 60_000)
    monkeypatch.setattr(drawing, "DRAWING_BUDGET_MS", 60_000)
