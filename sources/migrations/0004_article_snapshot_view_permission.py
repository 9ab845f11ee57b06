"""Curators and reviewers may look at stored pages in the admin (nobody edits them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["curator", "reviewer"]


def grant_view(apps, schema_editor):
    app_config = apps.get_app_config("sources")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    view = Permission.objects.filter(
        content_type__app_label="sources", content_type__model="articlesnapshot", codename="view_articlesnapshot"
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*view)


def revoke_view(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    view = Permission.objects.filter(content_type__app_label="sources", codename="view_articlesnapshot")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*view)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_article_snapshot"),
        ("claims", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_view, revoke_view)]
