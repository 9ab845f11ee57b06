from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="article-list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("articles/<slug:slug>/text.txt", views.article_text, name="article-text"),
    path("articles/<slug:slug>/snapshots/<int:pk>/", views.article_snapshot, name="article-snapshot"),
]
