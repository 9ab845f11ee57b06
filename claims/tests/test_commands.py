import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory
from sources.models import Article, Outlet
from sources.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CORPUS = [Outlet, Article, Topic, Speaker, Claim, Quote, Rebuttal]


def every_row():
    """Every column of every row of every corpus model, and each claim's topics."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in CORPUS}
    rows["claim topics"] = sorted(Claim.topics.through.objects.values_list("claim_id", "topic_id"))
    return rows


def build_corpus():
    party = SpeakerFactory(name="Chinese Communist Party", slug="ccp")
    speaker = SpeakerFactory(name="Unnamed official “Z”", affiliation=party)
    claim = ClaimFactory(speaker=speaker, said_on_precision="month", said_on="2020-07-01", note="Ünïcode ✓")
    claim.topics.add(TopicFactory(), TopicFactory())
    article = ArticleFactory(
        text="Officials said the app could be used to collect data.\r\nZweite Zeile — ok."
    )
    QuoteFactory(claim=claim, article=article)
    RebuttalFactory(rebutted_claim=claim)
    # A gap in the primary keys: a restore must keep ids, not renumber them.
    ClaimFactory().delete()
    ClaimFactory(summary="After the gap.")


def load_curated_corpus():
    call_command("load_corpus", verbosity=0)


@pytest.mark.parametrize("fill", [build_corpus, load_curated_corpus], ids=["factories", "curated corpus"])
def test_export_then_loaddata_restores_every_row_exactly(tmp_path, fill):
    """Export, flush, loaddata: every row of every corpus model comes back equal."""
    fill()
    before = every_row()
    fixture = tmp_path / "corpus.json"

    call_command("export_corpus", output=str(fixture))
    if connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks of this test's inserts, so TRUNCATE is allowed.
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert Claim.objects.count() == 0
    call_command("loaddata", str(fixture), verbosity=0)

    assert every_row() == before
    assert len(before["Claim"]) >= 3 and len(before["claim topics"]) >= 2


def test_export_uses_natural_keys_and_writes_to_stdout():
    """Without --output the fixture goes to standard output, with slugs and keys for relations."""
    QuoteFactory(claim=ClaimFactory(key="pompeo-enormous-data", speaker=SpeakerFactory(slug="mike-pompeo")))
    out = io.StringIO()

    call_command("export_corpus", stdout=out)

    objects = json.loads(out.getvalue())
    claim = next(item for item in objects if item["model"] == "claims.claim")
    quote = next(item for item in objects if item["model"] == "claims.quote")
    assert claim["fields"]["speaker"] == ["mike-pompeo"]
    assert quote["fields"]["claim"] == ["pompeo-enormous-data"]
    assert {item["model"] for item in objects} == {
        "sources.outlet",
        "sources.article",
        "claims.speaker",
        "claims.claim",
        "claims.quote",
    }
