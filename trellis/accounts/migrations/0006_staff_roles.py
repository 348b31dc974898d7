"""The staff roles (trellis/accounts/roles.py) as groups with their permissions."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

from trellis.accounts.roles import ROLE_NAMES, roles_ensure


def roles_create(apps: Any, schema_editor: Any) -> None:
    # Django creates permissions after the last migration; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    roles_ensure(apps=apps)


def roles_remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0005_staff_words"),
        ("audit", "0002_request_id_and_address"),
        ("billing", "0005_card_save_attempts"),
        ("company", "0002_company_staff_notification_email"),
        ("customers", "0003_staff_words"),
        ("imports", "0001_imported_record"),
        ("inbox", "0001_inbox_items_and_preferences"),
        ("issues", "0005_issue_assignee"),
        ("mail", "0002_outgoingemail_masked_link"),
        ("proposals", "0003_decided_via"),
    ]

    operations = [migrations.RunPython(roles_create, roles_remove)]
