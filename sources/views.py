from charset_normalizer import from_bytes
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from sources.models import Article, ArticleSnapshot


class ArticleListView(ListView):
    extra_context = {"section": "articles"}
    paginate_by = 50
    queryset = (
        Article.objects.select_related("outlet").defer("text").order_by("published_on", "headline", "pk")
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Counted for this page's articles only: a GROUP BY over every quote cost more than the page.
        page = list(context["object_list"])
        counts = {
            row["pk"]: row
            for row in Article.objects.filter(pk__in=[article.pk for article in page])
            .annotate(
                quote_count=Count("quotes", distinct=True), claim_count=Count("quotes__claim", distinct=True)
            )
            .values("pk", "quote_count", "claim_count")
        }
        for article in page:
            article.quote_count = counts[article.pk]["quote_count"]
            article.claim_count = counts[article.pk]["claim_count"]
        context["object_list"] = page
        return context


@require_safe
def article_text(request, slug):
    """The article's stored text byte for byte as UTF-8 plain text: what quote offsets count in."""
    article = get_object_or_404(Article.objects.only("text", "text_sha256"), slug=slug)
    response = HttpResponse(article.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["ETag"] = f'"{article.text_sha256}"'
    response["Access-Control-Allow-Origin"] = "*"  # annotation clients in other sites' pages read it
    return response


# The stored page is evidence, shown as text: its scripts must never run on our origin.
SNAPSHOT_POLICY = "sandbox; default-src 'none'"


@require_safe
def article_snapshot(request, slug, pk):
    """The page an article was imported from, byte for byte, as text/plain in a sandbox."""
    snapshot = get_object_or_404(ArticleSnapshot, pk=pk, article__slug=slug)
    content = bytes(snapshot.html)
    guess = from_bytes(content[:65536]).best() if not snapshot.encoding else None
    charset = snapshot.encoding or (guess.encoding if guess else "utf-8")
    response = HttpResponse(content, content_type=f"text/plain; charset={charset}")
    response["Content-Security-Policy"] = SNAPSHOT_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="snapshot-{snapshot.pk}.html.txt"'
    return response
