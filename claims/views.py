from django.views.generic import DetailView, ListView

from claims.models import Claim, Speaker


class ClaimListView(ListView):
    queryset = Claim.objects.select_related("speaker").chronological()
    paginate_by = 25


class ClaimDetailView(DetailView):
    queryset = Claim.objects.select_related("speaker")


class SpeakerListView(ListView):
    queryset = Speaker.objects.all()


class SpeakerDetailView(DetailView):
    queryset = Speaker.objects.select_related("affiliation")
