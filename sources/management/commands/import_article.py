import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from sources.dates import DatePrecision
from sources.models import Article, Outlet


class Command(BaseCommand):
    help = "Add an article from a file of its verbatim text (UTF-8, kept byte for byte); never overwrite one."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The article's verbatim text, UTF-8.")
        parser.add_argument("--outlet", required=True, help="The outlet's slug, e.g. reuters.")
        parser.add_argument("--headline", required=True)
        parser.add_argument("--published", required=True, help="YYYY-MM-DD; the first day for month/year.")
        parser.add_argument("--precision", default=DatePrecision.DAY, choices=DatePrecision.values)
        parser.add_argument("--slug", help="Defaults to the headline, slugified.")
        parser.add_argument("--url", default="")
        parser.add_argument("--byline", default="")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{path} is not UTF-8 (byte {error.start} is invalid): nothing imported."
            ) from error
        try:
            published_on = datetime.date.fromisoformat(options["published"])
        except ValueError as error:
            raise CommandError(
                f"--published {options['published']!r} is not a date in YYYY-MM-DD form."
            ) from error
        outlet = Outlet.objects.filter(slug=options["outlet"]).first()
        if outlet is None:
            known = ", ".join(Outlet.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No outlet with slug {options['outlet']!r}. Known outlets: {known}.")
        slug = options["slug"] or slugify(options["headline"])[:200]
        if Article.objects.filter(slug=slug).exists():
            raise CommandError(
                f"An article with slug {slug!r} already exists; it was left unchanged. Give another --slug."
            )
        article = Article(
            outlet=outlet,
            headline=options["headline"],
            slug=slug,
            url=options["url"],
            published_on=published_on,
            published_on_precision=options["precision"],
            byline=options["byline"],
            text=text,
            seed_file=path.name,
        )
        try:
            article.full_clean()
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise CommandError(f"The article was not imported: {problems}") from error
        article.save()
        self.stdout.write(
            f"Imported “{article.headline}” ({len(text)} characters) as {article.slug}; "
            f"mark its quotes at /admin/sources/article/{article.pk}/change/."
        )
