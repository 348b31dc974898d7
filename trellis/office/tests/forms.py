"""Fill in admin forms the way a browser would: start from what the page shows."""

from __future__ import annotations

from typing import Any

from django import forms


def form_data(response: Any) -> dict[str, Any]:
    """The POST data of an admin add or change page as rendered: the main form
    and the inlines, with their management forms."""
    data: dict[str, Any] = {}
    data.update(_values(response.context["adminform"].form))
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_values(formset.management_form))
        for form in formset.forms:
            data.update(_values(form))
    return data


def _values(form: forms.BaseForm) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                values[key] = "on"
        elif isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                values[f"{key}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            values[key] = [str(v) for v in value]
        else:
            values[key] = "" if value is None else str(value)
    return values
