import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from sources import importing
from sources.dates import DatePrecision
from sources.models import Article, Outlet


class Command(BaseCommand):
    help = (
        "Add an article from a file of its verbatim text (UTF-8, kept byte for byte), from a saved web "
        "page (--from-html) or from a URL (--fetch); a page is kept as a snapshot. Never overwrite one."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="The article's verbatim text, UTF-8.")
        parser.add_argument("--from-html", metavar="FILE", help="A web page saved from a browser.")
        parser.add_argument("--fetch", metavar="URL", help="Fetch the page at this public URL.")
        parser.add_argument("--outlet", required=True, help="The outlet's slug, e.g. reuters.")
        parser.add_argument("--headline", help="Required for a text file; a page's own headline otherwise.")
        parser.add_argument(
            "--published", help="YYYY-MM-DD; the first day for month/year. A page's own date otherwise."
        )
        parser.add_argument("--precision", default=DatePrecision.DAY, choices=DatePrecision.values)
        parser.add_argument("--slug", help="Defaults to the headline, slugified.")
        parser.add_argument("--url", default="", help="A page's canonical URL otherwise.")
        parser.add_argument("--byline", default="", help="A page's own byline otherwise.")

    def handle(self, *args, **options):
        sources = [name for name in ("file", "from_html", "fetch") if options[name]]
        if len(sources) != 1:
            raise CommandError("Give exactly one of: a text file, --from-html FILE or --fetch URL.")
        outlet = Outlet.objects.filter(slug=options["outlet"]).first()
        if outlet is None:
            known = ", ".join(Outlet.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No outlet with slug {options['outlet']!r}. Known outlets: {known}.")
        page = None
        if options["file"]:
            path = Path(options["file"])
            text = self.read_text(path)
            headline, published_on, url, byline, seed_file = None, None, "", "", path.name
        else:
            page = self.read_page(options)
            try:
                extracted = importing.extract(page)
            except importing.ImportRefused as error:
                raise CommandError(f"Nothing imported: {error}") from error
            text, headline, published_on = extracted.text, extracted.headline, extracted.published_on
            url, byline, seed_file = extracted.canonical_url, extracted.byline, page.file_name
        headline = options["headline"] or headline
        if not headline:
            raise CommandError("--headline is required: the source gives none.")
        if options["published"]:
            try:
                published_on = datetime.date.fromisoformat(options["published"])
            except ValueError as error:
                raise CommandError(
                    f"--published {options['published']!r} is not a date in YYYY-MM-DD form."
                ) from error
        if published_on is None:
            raise CommandError("--published is required: the source gives no date.")
        slug = options["slug"] or slugify(headline)[:200]
        if Article.objects.filter(slug=slug).exists():
            raise CommandError(
                f"An article with slug {slug!r} already exists; it was left unchanged. Give another --slug."
            )
        article = Article(
            outlet=outlet,
            headline=headline,
            slug=slug,
            url=options["url"] or url,
            published_on=published_on,
            published_on_precision=options["precision"],
            byline=options["byline"] or byline,
            text=text,
            seed_file=seed_file,
        )
        try:
            if page is None:
                article.full_clean()
                article.save()
            else:
                importing.create_article(article, importing.save_snapshot(page))
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise CommandError(f"The article was not imported: {problems}") from error
        kept = f" The page is kept as a snapshot (SHA-256 {page.sha256[:12]}…)." if page else ""
        self.stdout.write(
            f"Imported “{article.headline}” ({len(text)} characters) as {article.slug}; "
            f"check its text and mark its quotes at /admin/sources/article/{article.pk}/change/.{kept}"
        )

    def read_text(self, path):
        try:
            return path.read_bytes().decode("utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{path} is not UTF-8 (byte {error.start} is invalid): nothing imported."
            ) from error

    def read_page(self, options):
        try:
            if options["fetch"]:
                return importing.fetch(options["fetch"])
            path = Path(options["from_html"])
            try:
                content = path.read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
            return importing.page_from_file(content, path.name)
        except importing.ImportRefused as error:
            raise CommandError(f"Nothing imported: {error}") from error
