from django.db import migrations, models


class Migration(migrations.Migration):
    """A speaker's claims in date order with their ids in the index: a deep page of a speaker's
    claims finds its ids in the index alone. The new index is built before the old one goes."""

    dependencies = [
        ("claims", "0014_tally_triggers_any_order"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["speaker", "said_on", "id"], name="claim_speaker_said_on_id_idx"),
        ),
        migrations.RemoveIndex(
            model_name="claim",
            name="claim_speaker_said_on_idx",
        ),
    ]
