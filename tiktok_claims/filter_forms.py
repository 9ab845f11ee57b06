"""Every FilterSet's base and form, pages' and API's: NUL characters and too many values refused."""

import django_filters
from django import forms

NUL_MESSAGE = "This value contains a NUL character (%00), which is not allowed."

# Values one filter parameter may repeat: each costs a chip (whose remove link repeats the
# query) on the pages and a term in the SQL; 378 speakers made a 2.1 MB page.
MAX_VALUES_PER_PARAMETER = 20


class FilterForm(forms.Form):
    """Refuses NUL characters (PostgreSQL would) and over MAX_VALUES_PER_PARAMETER values of a filter."""

    def __init__(self, data=None, *args, **kwargs):
        self.fields_with_nul = []
        self.fields_with_too_many = {}
        if data is not None:
            data = data.copy()
            for name in list(data.keys()):
                values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
                if any("\x00" in str(value) for value in values):
                    self.fields_with_nul.append(name)
                    del data[name]
                elif len(values) > MAX_VALUES_PER_PARAMETER and name in self.base_fields:
                    self.fields_with_too_many[name] = len(values)
                    del data[name]
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        for name in self.fields_with_nul:
            # A parameter, not a bare "%" in the message: django-filter's API errors %-format it.
            error = forms.ValidationError(
                NUL_MESSAGE.replace("%00", "%(character)s"), code="nul_character", params={"character": "%00"}
            )
            self.add_error(name if name in self.fields else None, error)
        for name, count in self.fields_with_too_many.items():
            message = (
                f"Give at most {MAX_VALUES_PER_PARAMETER} values for {name}; this address gives {count}."
            )
            self.add_error(name, forms.ValidationError(message, code="too_many_values"))
        return cleaned_data


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, its form class built once per FilterSet class instead of per request.

    django-filter builds a Form class from its filters' fields for every instance: for the claim
    filters, 1.8 ms of each filtered request. The fields depend on the class's filters only, unless
    a filter's queryset is a callable of the request, or its choices are read from the database
    when its field is built (AllValuesFilter): none is, but such a class would get its form built
    per instance, as django-filter does. Each form deep-copies the fields it is given, as every
    Django form does, so no request sees another's.
    """

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")  # this class's own, not a parent's
        if form_class is None:
            form_class = super().get_form_class()
            if not any(_built_per_request(filter_) for filter_ in self.filters.values()):
                type(self)._form_class = form_class
        return form_class


def _built_per_request(filter_):
    """Whether a filter's field may differ from one request to the next."""
    per_request_choices = (django_filters.AllValuesFilter, django_filters.AllValuesMultipleFilter)
    return callable(getattr(filter_, "queryset", None)) or isinstance(filter_, per_request_choices)
