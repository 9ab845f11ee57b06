"""The summary tables' triggers of 0006 and 0013 written again (claims/tallies.py), then recounted.

A claim written before its speaker was missing from the side tally, a rebuttal written before
its claims (or a claim deleted before its rebuttals) from the link tally, and a topic link
written before its claim from the topic tally: each row now adds what it completes and takes
it out as it goes. The recount puts right anything the old triggers miscounted. Found in
review on 1 December.
"""

from django.db import migrations

from claims import tallies


def rewrite(apps, schema_editor):
    tallies.drop_triggers(schema_editor)
    tallies.drop_topic_triggers(schema_editor)
    tallies.create_triggers(schema_editor)
    tallies.create_topic_triggers(schema_editor)
    tallies.rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_topic_tally"),
    ]

    # Backwards, the triggers stay as they are: they count what 0006's did, in more cases.
    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
