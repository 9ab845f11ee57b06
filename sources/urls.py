from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="article-list"),
    # An article's own page shows its quotes, so it is claims' (claims:article-detail).
    path("articles/<slug:slug>/text.txt", views.article_text, name="article-text"),
    path("articles/<slug:slug>/snapshots/<int:pk>/", views.article_snapshot, name="article-snapshot"),
]
