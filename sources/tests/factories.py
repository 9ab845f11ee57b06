import datetime

import factory

from sources.models import Article, Outlet

ARTICLE_TEXT = (
    "Officials said the app could be used to collect data. "
    '"We have never provided user data to the Chinese government," a spokesperson said. '
    "The company said its data was stored in the United States."
)


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    homepage = "https://example.org/"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    outlet = factory.SubFactory(OutletFactory)
    headline = factory.Sequence(lambda n: f"Headline {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    published_on = datetime.date(2020, 8, 13)
    text = ARTICLE_TEXT
