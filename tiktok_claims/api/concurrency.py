"""Optimistic locking for API writers: ETags from versions, If-Match checked, 412, 428 and 409."""

from django.db import router, transaction
from rest_framework import exceptions

from tiktok_claims.versioning import lock_current


class ConcurrencyMixin:
    """ETags on items with a version; writes checked against If-Match, in one transaction."""

    # Optimistic locking for API writers, as the admin has for curators: an item's ETag is its
    # version. A write runs in one transaction on the row as stored now, locked until it
    # commits: If-Match naming an older version is refused (412); a PATCH without If-Match
    # changes only the fields it names; a PUT or DELETE without If-Match is refused (428),
    # since it would undo or delete changes its sender may never have seen.
    etag = None

    def get_object(self):
        item = super().get_object()
        if hasattr(item, "version") and self.request.method in WRITE_METHODS:
            item = lock_current(item)
            self.check_if_match(item)
        if hasattr(item, "version"):
            self.etag = version_etag(item.version)
        return item

    def check_if_match(self, item):
        """Refuse the write when If-Match names another version, or is missing from a PUT or DELETE."""
        expected = self.request.headers.get("If-Match")
        if expected is None:
            if self.request.method in ("PUT", "DELETE"):
                raise PreconditionRequired(
                    f"A {self.request.method} needs an If-Match header: the ETag you read this "
                    f"{item._meta.verbose_name} at (now {version_etag(item.version)}), or * to "
                    f"{'replace' if self.request.method == 'PUT' else 'delete'} whatever version is "
                    "stored. A PATCH without If-Match changes only the fields it names."
                )
            return
        tags = {tag.strip().removeprefix("W/") for tag in expected.split(",")}
        if "*" not in tags and version_etag(item.version) not in tags:
            raise PreconditionFailed(
                f"This {item._meta.verbose_name} was changed after you read it: it is at version "
                f"{item.version} (ETag {version_etag(item.version)}), your If-Match was {expected[:40]}. "
                "Nothing was saved: GET it again, reapply your change and send the new ETag."
            )

    def update(self, request, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(self.get_queryset().model)):
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(self.get_queryset().model)):
            return super().destroy(request, *args, **kwargs)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        if hasattr(serializer.instance, "version"):
            self.etag = version_etag(serializer.instance.version)

    def perform_destroy(self, instance):
        super().perform_destroy(instance)
        self.etag = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # On the item's own representation only, not on its JSON-LD or annotation actions.
        if self.etag and response.status_code == 200 and self.action in ETAG_ACTIONS:
            response["ETag"] = self.etag
        return response


ETAG_ACTIONS = {"retrieve", "update", "partial_update"}
WRITE_METHODS = {"PUT", "PATCH", "DELETE"}


def version_etag(version):
    """An item's ETag: its version counter, quoted as HTTP wants."""
    return f'"{version}"'


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The item changed after you read it; nothing was saved."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the item's ETag."
    default_code = "precondition_required"
