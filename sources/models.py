import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from sources.dates import DatePrecision, format_with_precision, validate_period_start
from tiktok_claims.versioning import VersionedModel


class SlugManager(models.Manager):
    """Looks rows up by slug, their natural key, so fixtures stay readable."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Outlet(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    homepage = models.URLField(blank=True)

    history = HistoricalRecords()
    objects = SlugManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Article(VersionedModel, models.Model):
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="articles")
    headline = models.CharField(max_length=500)
    slug = models.SlugField(max_length=200, unique=True)
    url = models.URLField("URL", max_length=500, blank=True)
    published_on = models.DateField()
    published_on_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    byline = models.CharField(max_length=300, blank=True)
    text = models.TextField(help_text="The article's verbatim text; quote offsets point into it.")
    text_sha256 = models.CharField(
        "SHA-256 of the text", max_length=64, editable=False, help_text="Filled on save."
    )
    dating_note = models.TextField(blank=True, help_text="How the publication date was established.")
    seed_file = models.CharField(max_length=200, blank=True, help_text="The source file of the text.")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()
    objects = SlugManager()

    class Meta:
        ordering = ["published_on", "headline"]
        indexes = [models.Index(fields=["published_on"], name="article_published_on_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_on_precision__in=DatePrecision.values),
                name="article_published_on_precision_valid",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.text_sha256 = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("claims:article-detail", args=[self.slug])

    def get_text_url(self):
        """The verbatim text as text/plain: what quote offsets, prefixes and suffixes are counted on."""
        return reverse("sources:article-text", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    @property
    def published_display(self):
        return format_with_precision(self.published_on, self.published_on_precision)

    def clean(self):
        message = validate_period_start(self.published_on, self.published_on_precision)
        if message:
            raise ValidationError({"published_on": message})


class ArticleSnapshot(models.Model):
    """The page an article was imported from, byte for byte, with its hash and fetch time."""

    # A row of its own, not fields on Article: the HTML is large and only this page reads it;
    # an article may be imported again later; and a snapshot exists (article empty) while the
    # curator reviews the extracted text, before the article is saved.
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, null=True, blank=True, related_name="snapshots"
    )
    html = models.BinaryField(help_text="The page exactly as received.")
    sha256 = models.CharField("SHA-256 of the HTML", max_length=64)
    fetched_at = models.DateTimeField(help_text="When it was fetched or uploaded.")
    source_url = models.URLField("source URL", max_length=2000, blank=True, help_text="Empty for an upload.")
    file_name = models.CharField(max_length=255, blank=True, help_text="The uploaded file's name.")
    content_type = models.CharField(max_length=100, default="text/html")
    encoding = models.CharField(max_length=40, blank=True, help_text="The charset the server declared.")

    class Meta:
        ordering = ["-fetched_at", "-pk"]
        get_latest_by = "fetched_at"

    def __str__(self):
        return f"{self.source_url or self.file_name or 'upload'} ({self.fetched_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("sources:article-snapshot", args=[self.article.slug, self.pk])
