from django.db.models import Count
from django.views.generic import DetailView, ListView

from claims.highlighting import highlight_article, is_anchored
from claims.selection import panel_context
from sources.models import Article


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


class ArticleDetailView(DetailView):
    extra_context = {"section": "articles"}
    queryset = Article.objects.select_related("outlet")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quotes = list(self.object.quotes.select_related("claim__speaker").order_by("start", "end", "pk"))
        for quote in quotes:
            quote.is_anchored = is_anchored(self.object.text, quote)
        can_quote = self.request.user.has_perm("claims.add_quote")
        context.update(
            quotes=quotes, text_html=highlight_article(self.object.text, quotes, offsets=can_quote)
        )
        if can_quote:
            context.update(can_quote=True, **panel_context(self.request.user))
        return context
