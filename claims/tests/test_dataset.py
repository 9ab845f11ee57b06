"""export_dataset: a Frictionless data package and a SQLite file for Datasette, of the public tables only."""

import asyncio
import csv
import json
import sqlite3

import pytest
from datasette.app import Datasette
from datasette.utils import parse_metadata
from django.contrib.auth.models import User
from django.core.management import call_command
from frictionless import Package
from rest_framework.authtoken.models import Token

from claims.models import Claim
from claims.tests.factories import ClaimFactory, QuoteFactory, RebuttalFactory, SpeakerFactory, TopicFactory

PUBLIC_TABLES = {"outlets", "articles", "topics", "speakers", "claims", "claim_topics", "quotes", "rebuttals"}
CURATOR = "curator-who-stays-private"


@pytest.fixture
def exported(db, tmp_path, client):
    """A small corpus edited by a signed-in curator with a token, exported to a directory."""
    curator = User.objects.create_superuser(CURATOR, "private@example.org", "a-password-9")
    Token.objects.create(user=curator)
    client.force_login(curator)
    organisation = SpeakerFactory(name="TikTok", slug="tiktok", kind="company")
    speaker = SpeakerFactory(name="Roland Cloutier", slug="cloutier", affiliation=organisation)
    claim = ClaimFactory(
        speaker=speaker, summary="-3.2% of data is stored in Singapore", key="cloutier-singapore"
    )
    claim.topics.set([TopicFactory(name="Data storage")])
    QuoteFactory(claim=claim)
    RebuttalFactory(rebutted_claim=claim)
    claim.summary = "-3.2% of user data is stored in Singapore"
    claim._history_user = curator
    claim.save()
    assert claim.history.filter(history_user=curator).exists()
    directory = tmp_path / "dataset"
    call_command("export_dataset", str(directory), stdout=open(tmp_path / "out.txt", "w"))
    return directory


def test_data_package_validates_with_frictionless(exported):
    """The frictionless library opens datapackage.json and finds no error in any table, keys included."""
    package = Package(str(exported / "datapackage.json"))
    report = package.validate()
    assert report.flatten(["rowNumber", "fieldName", "type", "note"]) == []
    assert report.valid
    assert set(package.resource_names) == PUBLIC_TABLES
    claims = package.get_resource("claims")
    assert claims.schema.primary_key == ["id"]
    assert claims.schema.to_dict()["foreignKeys"] == [
        {"fields": ["speaker_id"], "reference": {"resource": "speakers", "fields": ["id"]}}
    ]
    assert package.get_resource("claim_topics").schema.primary_key == ["claim_id", "topic_id"]
    assert claims.schema.get_field("said_on").type == "date"
    assert claims.schema.get_field("claim_type").constraints["enum"][0] == "allegation"
    assert package.licenses[0]["name"] == "CC-BY-4.0"
    assert package.sources and all(source["title"] for source in package.sources)


def test_csv_values_are_untouched(exported):
    """The CSVs hold the values as stored: a summary starting with '-' gets no apostrophe."""
    with open(exported / "claims.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [row["summary"] for row in rows if row["key"] == "cloutier-singapore"] == [
        "-3.2% of user data is stored in Singapore"
    ]
    assert len(rows) == Claim.objects.count()


def test_sqlite_file_holds_only_the_public_tables(exported):
    """The SQLite file has the public tables and their search indexes: no users, sessions, tokens, history."""
    database = sqlite3.connect(exported / "tiktok_claims.db")
    names = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    search_tables = {name for name in names if name.startswith(("claims_fts", "quotes_fts"))}
    assert names - search_tables == PUBLIC_TABLES
    assert database.execute("SELECT count(*) FROM claims").fetchone() == (Claim.objects.count(),)
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    database.close()


def test_nothing_exported_names_the_curator(exported):
    """No exported file holds the curator's user name or email, though they edited a claim."""
    for path in exported.iterdir():
        content = path.read_bytes()
        assert CURATOR.encode() not in content, path.name
        assert b"private@example.org" not in content, path.name


def test_datasette_reads_the_search_declared_in_its_metadata(exported):
    """Datasette loads metadata.json: claims search via claims_fts (summary, speaker, quotes), quotes too."""
    metadata = parse_metadata((exported / "metadata.json").read_text())
    datasette = Datasette([str(exported / "tiktok_claims.db")], metadata=metadata)

    async def explore():
        await datasette.invoke_startup()
        database = datasette.get_database("tiktok_claims")
        by_quote = await datasette.client.get("/tiktok_claims/claims.json?_search=collect&_shape=objects")
        by_speaker = await datasette.client.get("/tiktok_claims/claims.json?_search=Cloutier&_shape=objects")
        quotes = await datasette.client.get("/tiktok_claims/quotes.json?_search=collect&_shape=objects")
        return (
            await database.table_names(),
            await database.hidden_table_names(),
            await database.fts_table("quotes"),
            by_quote.json(),
            by_speaker.json(),
            quotes.json(),
        )

    tables, hidden, quotes_fts, by_quote, by_speaker, quotes = asyncio.run(explore())
    assert set(tables) - set(hidden) == PUBLIC_TABLES
    assert datasette.table_metadata("tiktok_claims", "claims")["fts_table"] == "claims_fts"
    assert quotes_fts == "quotes_fts"
    claim = Claim.objects.get(key="cloutier-singapore")
    # The factory quote says "the app could be used to collect data"; the rebutting claim has none.
    assert [row["id"] for row in by_quote["rows"]] == [claim.pk]
    assert [row["id"] for row in by_speaker["rows"]] == [claim.pk]
    assert len(quotes["rows"]) == 1


def test_command_reports_each_table(tmp_path, db, capsys):
    """export_dataset says how many rows each table holds and how to serve the file."""
    ClaimFactory.create_batch(2)
    call_command("export_dataset", str(tmp_path))
    output = capsys.readouterr().out
    assert "claims: 2 rows" in output
    assert "datasette " in output
    assert (
        json.loads((tmp_path / "metadata.json").read_text())["databases"]["tiktok_claims"]["tables"][
            "claims"
        ]["fts_pk"]
        == "id"
    )
