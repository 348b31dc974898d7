from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest


class YesNoFilter(admin.SimpleListFilter):
    """A sidebar filter with two choices, each one condition."""

    yes_label = "Yes"
    no_label = "No"

    def yes(self) -> Q:
        raise NotImplementedError

    def no(self) -> Q:
        return ~self.yes()

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "yes":
            return queryset.filter(self.yes())
        if self.value() == "no":
            return queryset.filter(self.no())
        return None
