from django.views.generic import DetailView, ListView

from sources.models import Article


class ArticleListView(ListView):
    queryset = Article.objects.select_related("outlet")


class ArticleDetailView(DetailView):
    queryset = Article.objects.select_related("outlet")
