"""The public dataset: CSVs of the public tables, a Frictionless data package and a SQLite file for Datasette.

Only the tables named here leave the database, and only the columns named here: never users,
sessions, login logs, tokens or edit history (curators' names), and a new model field is
published only once someone adds it below.
"""

import csv
import datetime
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models import BooleanField, DateField, ForeignKey

from claims.models import Claim, Quote, Rebuttal, Speaker, Topic
from sources.models import Article, Outlet

TITLE = "TikTok claims database"
DESCRIPTION = (
    "Who said what, when, about whether TikTok hands US users' data to the Chinese state; who "
    "rebutted whom; each claim anchored to the exact words of its source articles."
)
SQLITE_FILE = "tiktok_claims.db"
# The licence of the curated data (claims, speakers, topics, quotes' offsets, rebuttals). The
# articles' texts are quoted from their publishers so that every quote can be checked in context.
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
ARTICLE_TEXT_NOTE = (
    "The article texts are quoted from their publishers, who keep their copyright, so that each "
    "quote's offsets can be checked; the sources list names each outlet."
)


@dataclass
class Table:
    """One public table: its rows' model, the columns published (model field names) and its keys."""

    name: str
    model: object
    columns: list
    description: str
    primary_key: list = field(default_factory=lambda: ["id"])

    def fields(self):
        return [self.model._meta.get_field(name) for name in self.columns]

    def column_names(self):
        return [model_field.attname for model_field in self.fields()]

    def rows(self):
        names = self.column_names()
        return self.model._default_manager.order_by(*self.primary_key).values_list(*names).iterator()


TABLES = [
    Table("outlets", Outlet, ["id", "name", "slug", "homepage"], "News outlets that published the articles."),
    Table(
        "articles",
        Article,
        [
            "id",
            "outlet",
            "headline",
            "slug",
            "url",
            "published_on",
            "published_on_precision",
            "byline",
            "text",
            "text_sha256",
            "dating_note",
            "version",
        ],
        "Articles the claims are quoted from, with their verbatim text. " + ARTICLE_TEXT_NOTE,
    ),
    Table("topics", Topic, ["id", "name", "slug", "description"], "Topics claims are filed under."),
    Table(
        "speakers",
        Speaker,
        [
            "id",
            "name",
            "slug",
            "kind",
            "role",
            "affiliation",
            "is_anonymous",
            "side",
            "wikidata_id",
            "version",
        ],
        "People and bodies who made claims.",
    ),
    Table(
        "claims",
        Claim,
        [
            "id",
            "key",
            "speaker",
            "summary",
            "claim_type",
            "said_on",
            "said_on_precision",
            "dating_note",
            "venue",
            "note",
            "version",
        ],
        "Claims: who said what, when. said_on is the first day of its period when known only to "
        "the month or year (said_on_precision).",
    ),
    Table(
        "claim_topics",
        Claim.topics.through,
        ["claim", "topic"],
        "Which topics each claim is filed under.",
        primary_key=["claim_id", "topic_id"],
    ),
    Table(
        "quotes",
        Quote,
        ["id", "claim", "article", "text", "start", "end", "mode", "attribution", "note", "version"],
        "A claim's exact words in an article: text equals the article's text[start:end].",
    ),
    Table(
        "rebuttals",
        Rebuttal,
        ["id", "rebutting_claim", "rebutted_claim", "relation", "note", "version"],
        "One claim denies, disputes, qualifies or contradicts another.",
    ),
]
TABLE_NAMES = {table.model: table.name for table in TABLES}


def field_type(model_field):
    """The Frictionless (Table Schema) type of a model field's column."""
    if isinstance(model_field, ForeignKey):
        return "integer"
    if isinstance(model_field, BooleanField):
        return "boolean"
    if isinstance(model_field, DateField):
        return "date"
    if model_field.get_internal_type() in (
        "AutoField",
        "BigAutoField",
        "IntegerField",
        "PositiveIntegerField",
    ):
        return "integer"
    return "string"


SQLITE_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "date": "TEXT", "string": "TEXT"}


def field_schema(model_field):
    """A Table Schema field: name, type, description, and the constraints the model has."""
    description = str(model_field.help_text or model_field.verbose_name)
    schema = {"name": model_field.attname, "type": field_type(model_field), "description": description}
    constraints = {}
    if not model_field.primary_key and not model_field.null and not model_field.blank:
        constraints["required"] = True
    if model_field.choices:
        constraints["enum"] = [value for value, _ in model_field.flatchoices]
    if constraints:
        schema["constraints"] = constraints
    return schema


def foreign_keys(table):
    """Each foreign-key column with the public table and column it points at."""
    return [
        (model_field.attname, TABLE_NAMES[model_field.related_model], model_field.target_field.attname)
        for model_field in table.fields()
        if isinstance(model_field, ForeignKey)
    ]


def table_schema(table):
    schema = {
        "fields": [field_schema(model_field) for model_field in table.fields()],
        "primaryKey": table.primary_key,
    }
    keys = foreign_keys(table)
    if keys:
        schema["foreignKeys"] = [
            # An empty resource name is the table itself (a speaker's affiliation is a speaker).
            {
                "fields": [column],
                "reference": {"resource": "" if target == table.name else target, "fields": [key]},
            }
            for column, target, key in keys
        ]
    return schema


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def write_csv(table, directory):
    """The table as CSV (UTF-8, header row, values untouched); returns its row count."""
    count = 0
    with open(directory / f"{table.name}.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(table.column_names())
        for row in table.rows():
            writer.writerow([csv_value(value) for value in row])
            count += 1
    return count


def data_package():
    """The Frictionless data package descriptor of the CSVs."""
    sources = [
        {"title": name, **({"path": homepage} if homepage else {})}
        for name, homepage in Outlet.objects.order_by("name").values_list("name", "homepage")
    ]
    return {
        "name": "tiktok-claims",
        "title": TITLE,
        "description": DESCRIPTION,
        "created": datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat(),
        "licenses": [LICENSE],
        "sources": sources,
        "resources": [
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "title": table.name.replace("_", " ").capitalize(),
                "description": table.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(table),
            }
            for table in TABLES
        ],
    }


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table):
    schema = table_schema(table)
    lines = [f"{quoted(spec['name'])} {SQLITE_TYPES[spec['type']]}" for spec in schema["fields"]]
    lines.append(f"PRIMARY KEY ({', '.join(quoted(name) for name in table.primary_key)})")
    for column, target, key in foreign_keys(table):
        lines.append(f"FOREIGN KEY ({quoted(column)}) REFERENCES {quoted(target)}({quoted(key)})")
    return f"CREATE TABLE {quoted(table.name)} (\n  " + ",\n  ".join(lines) + "\n)"


# Datasette searches a table through the FTS table its metadata names: claims_fts holds each
# claim's summary, speaker and quotes under the claim's id (as the site's search does);
# quotes_fts indexes the quotes table itself (external content, which Datasette also detects).
FTS_SQL = [
    "CREATE VIRTUAL TABLE claims_fts USING fts5(summary, speaker, quotes)",
    """INSERT INTO claims_fts (rowid, summary, speaker, quotes)
       SELECT claims.id, claims.summary, speakers.name,
              (SELECT group_concat(quotes.text, ' ') FROM quotes WHERE quotes.claim_id = claims.id)
       FROM claims JOIN speakers ON speakers.id = claims.speaker_id""",
    'CREATE VIRTUAL TABLE quotes_fts USING fts5(text, content="quotes", content_rowid="id")',
    "INSERT INTO quotes_fts (quotes_fts) VALUES ('rebuild')",
]


def write_sqlite(path):
    """The public tables in a new SQLite file, foreign-key columns indexed, full-text search built."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    database = sqlite3.connect(partial)
    try:
        for table in TABLES:
            database.execute(create_table_sql(table))
            for column, _, _ in foreign_keys(table):
                index = quoted(f"{table.name}_{column}")
                database.execute(f"CREATE INDEX {index} ON {quoted(table.name)} ({quoted(column)})")
            placeholders = ", ".join("?" for _ in table.columns)
            database.executemany(
                f"INSERT INTO {quoted(table.name)} VALUES ({placeholders})",
                (
                    [csv_value(value) if isinstance(value, datetime.date) else value for value in row]
                    for row in table.rows()
                ),
            )
        for statement in FTS_SQL:
            database.execute(statement)
        database.commit()
    finally:
        database.close()
    os.replace(partial, path)


def datasette_metadata():
    """Datasette's metadata.json: title, licence, sources, and the FTS table of claims and quotes."""
    database = Path(SQLITE_FILE).stem
    tables = {table.name: {"description": table.description} for table in TABLES}
    tables["claims"].update(fts_table="claims_fts", fts_pk="id")
    tables["quotes"].update(fts_table="quotes_fts", fts_pk="id")
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "license": LICENSE["title"],
        "license_url": LICENSE["path"],
        "source": "The articles' outlets; see the sources of datapackage.json",
        "databases": {database: {"tables": tables}},
    }


def export_dataset(directory):
    """Write the CSVs, datapackage.json, the SQLite file and Datasette's metadata.json; rows per table."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # One snapshot for every table, so a curator's write during the export cannot leave a quote
    # pointing at a claim the claims table missed (SQLite's read transaction is one already).
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counts = {table.name: write_csv(table, directory) for table in TABLES}
        (directory / "datapackage.json").write_text(
            json.dumps(data_package(), indent=2, ensure_ascii=False) + "\n"
        )
        write_sqlite(directory / SQLITE_FILE)
    (directory / "metadata.json").write_text(
        json.dumps(datasette_metadata(), indent=2, ensure_ascii=False) + "\n"
    )
    return counts
