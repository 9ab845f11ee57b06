from django.urls import path

from claims import articles, feeds, versions, views

app_name = "claims"

urlpatterns = [
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/facets/", views.claim_facets_fragment, name="claim-facets"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/feed/", feeds.ClaimFeed(), name="claim-feed"),
    path("claims/<int:pk>/versions/", versions.versions_page, name="claim-versions"),
    path("claims/<int:pk>/versions/<int:number>/", versions.version_page, name="claim-version"),
    path("corrections/", versions.corrections_page, name="corrections"),
    path("corrections/feed/", feeds.CorrectionFeed(), name="correction-feed"),
    path("speakers/", views.SpeakerListView.as_view(), name="speaker-list"),
    path("speakers/<slug:slug>/", views.SpeakerDetailView.as_view(), name="speaker-detail"),
    path("timeline/", views.timeline, name="timeline"),
    path("timeline/drawing/", views.timeline_drawing_fragment, name="timeline-drawing"),
    path("vocab/", views.vocabulary, name="vocabulary"),
    path("articles/<slug:slug>/", articles.ArticleDetailView.as_view(), name="article-detail"),
]
