from django.db.models import Count
from django.views.generic import DetailView, ListView

from claims.highlighting import highlight_article, is_anchored
from sources.models import Article


class ArticleListView(ListView):
    extra_context = {"section": "articles"}
    queryset = (
        Article.objects.select_related("outlet")
        .defer("text")
        .annotate(
            quote_count=Count("quotes", distinct=True),
            claim_count=Count("quotes__claim", distinct=True),
        )
        .order_by("published_on", "headline")
    )


class ArticleDetailView(DetailView):
    extra_context = {"section": "articles"}
    queryset = Article.objects.select_related("outlet")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quotes = list(self.object.quotes.select_related("claim__speaker").order_by("start", "end", "pk"))
        for quote in quotes:
            quote.is_anchored = is_anchored(self.object.text, quote)
        context.update(quotes=quotes, text_html=highlight_article(self.object.text, quotes))
        return context
