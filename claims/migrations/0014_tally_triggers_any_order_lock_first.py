"""The summary tables' triggers of 0006 written again (claims/tallies.py), then the tables recounted.

A claim written before its speaker was missing from the side tally, and a rebuttal written
before its claims (or a claim deleted before its rebuttals) from the link tally: each row now
adds what it completes and takes it out as it goes. On PostgreSQL each trigger first takes share
locks on the rows it reads counted values from, so a write moving them in another transaction
waits for it (or it for the write) instead of leaving a count under the old side or month.
The recount puts right anything the old triggers miscounted. Found in review on 1 December.
"""

from django.db import migrations

from claims import tallies


def rewrite(apps, schema_editor):
    tallies.drop_triggers(schema_editor)
    tallies.create_triggers(schema_editor)
    tallies.rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_topic_tally"),
    ]

    # Backwards, the triggers stay as they are: they count what 0006's did, in more cases.
    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
