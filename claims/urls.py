from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("claims/", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("speakers/", views.SpeakerListView.as_view(), name="speaker-list"),
    path("speakers/<slug:slug>/", views.SpeakerDetailView.as_view(), name="speaker-detail"),
    path("timeline/", views.timeline, name="timeline"),
    path("vocab/", views.vocabulary, name="vocabulary"),
]
