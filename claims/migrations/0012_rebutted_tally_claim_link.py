"""RebuttedTally.claim_id becomes a link to the claim (a one-to-one, no constraint) so that the
"Most rebutted" order can join it. The column is the same bigint claim_id, the primary key, so
the database is not touched; only Django's view of the table changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_claim_year_said_on_idx"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="rebuttedtally", name="claim_id"),
                migrations.AddField(
                    model_name="rebuttedtally",
                    name="claim",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="rebutted_tally",
                        serialize=False,
                        to="claims.claim",
                    ),
                    preserve_default=False,
                ),
            ],
            database_operations=[],
        ),
    ]
