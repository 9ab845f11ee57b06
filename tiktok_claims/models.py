from django.db import models


class CorpusVersion(models.Model):
    """The corpus version: one row, moved forward after every committed write to a public model.

    epoch is new whenever the row is (a fresh database, or after `flush`), so two databases, or
    one before and after a flush, never share a cache key.
    """

    epoch = models.CharField(max_length=32)
    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.epoch}.{self.number}"
