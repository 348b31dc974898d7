"""Permission names that follow a model's new name, for migrations.

Django writes a permission's name ("Can view issue") once, when it first
creates it, from the model's verbose name then; renaming the model later
leaves staff reading the old word beside each permission. A migration that
renames a model's verbose name runs this step too.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

ACTIONS = ("add", "change", "delete", "view")


def permission_names_follow(
    app_label: str, renamed: dict[str, tuple[str, str]]
) -> migrations.RunPython:
    """A migration step renaming the four permissions of each model in `renamed`
    (model name → (old verbose name, new verbose name)), and back when reversed.
    On a new database there are none yet: Django then creates them with the new names."""

    def rename(apps: Any, to: int) -> None:
        permission = apps.get_model("auth", "Permission")
        for model, names in renamed.items():
            for action in ACTIONS:
                permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename=f"{action}_{model}",
                ).update(name=f"Can {action} {names[to]}")

    return migrations.RunPython(
        lambda apps, schema_editor: rename(apps, 1),
        lambda apps, schema_editor: rename(apps, 0),
    )
