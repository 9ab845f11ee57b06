"""The article page: its verbatim text with every quote marked, and the quote-from-selection panel."""

from django.views.generic import DetailView

from claims.highlighting import highlight_article, is_anchored
from claims.selection import panel_context
from sources.models import Article


class ArticleDetailView(DetailView):
    extra_context = {"section": "articles"}
    template_name = "claims/article_detail.html"
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
        context["snapshots"] = list(self.object.snapshots.defer("html"))
        return context
