"""API writes validated as the admin validates them, shared by every app's serializers."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from tiktok_claims.api.errors import error_messages


class ModelCleanMixin:
    """Validate writes like the admin: the model's clean() and full_clean() on the would-be row."""

    def validate(self, attrs):
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        many_to_many = {field.name for field in model._meta.many_to_many}
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(instance, name, value)
        not_editable = [field.name for field in model._meta.fields if not field.editable]
        try:
            instance.clean()
            instance.full_clean(exclude=not_editable)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error_messages(error)) from error
        for field in model._meta.concrete_fields:
            if field.name in attrs or field.name in self.fields and field.name not in not_editable:
                attrs[field.name] = getattr(instance, field.name)
        return attrs
