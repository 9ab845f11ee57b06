"""What every API view shares, composed from the package's parts."""

from tiktok_claims.api.concurrency import ConcurrencyMixin
from tiktok_claims.api.csv_export import CSVExportMixin
from tiktok_claims.api.errors import JSONErrorsMixin
from tiktok_claims.api.expansion import ExpansionMixin
from tiktok_claims.api.negotiation import NegotiationMixin


class ApiViewMixin(CSVExportMixin, NegotiationMixin, ExpansionMixin, ConcurrencyMixin, JSONErrorsMixin):
    """CSV for lists and items, expansion, and errors that stay JSON whatever was asked for."""
