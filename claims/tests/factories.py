import datetime

import factory

from claims.models import (
    Claim,
    ClaimType,
    Quote,
    QuoteMode,
    Rebuttal,
    RebuttalRelation,
    Side,
    Speaker,
    SpeakerKind,
    Topic,
)
from sources.tests.factories import ArticleFactory


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Speaker {n}")
    slug = factory.Sequence(lambda n: f"speaker-{n}")
    kind = SpeakerKind.PERSON
    side = Side.US_GOVERNMENT


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    key = factory.Sequence(lambda n: f"claim-{n}")
    speaker = factory.SubFactory(SpeakerFactory)
    summary = factory.Sequence(lambda n: f"Summary of claim {n}.")
    claim_type = ClaimType.ALLEGATION
    said_on = datetime.date(2020, 8, 12)


class QuoteFactory(factory.django.DjangoModelFactory):
    """A quote anchored at the first sentence of the factory article."""

    class Meta:
        model = Quote

    claim = factory.SubFactory(ClaimFactory)
    article = factory.SubFactory(ArticleFactory)
    text = "the app could be used to collect data"
    start = factory.LazyAttribute(lambda quote: quote.article.text.index(quote.text))
    end = factory.LazyAttribute(lambda quote: quote.start + len(quote.text))
    mode = QuoteMode.REPORTED
    attribution = "Officials said"


class RebuttalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rebuttal

    rebutting_claim = factory.SubFactory(ClaimFactory, claim_type=ClaimType.DENIAL)
    rebutted_claim = factory.SubFactory(ClaimFactory)
    relation = RebuttalRelation.DENIES
    note = "Answers the allegation directly."
