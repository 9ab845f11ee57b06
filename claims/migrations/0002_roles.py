"""The curator and reviewer groups. Only superusers delete; nobody in a group manages users."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

CORPUS_MODELS = {
    "sources": ["outlet", "article"],
    "claims": ["topic", "speaker", "claim", "quote", "rebuttal"],
}
ROLES = {"curator": ["add", "change", "view"], "reviewer": ["view"]}


def corpus_permissions(Permission, actions):
    """The given actions on every corpus model and its history model."""
    models = Q()
    for app_label, names in CORPUS_MODELS.items():
        every_name = names + [f"historical{name}" for name in names]
        models |= Q(content_type__app_label=app_label, content_type__model__in=every_name)
    codenames = Q()
    for action in actions:
        codenames |= Q(codename__startswith=f"{action}_")
    return Permission.objects.filter(models & codenames)


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(corpus_permissions(Permission, actions))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0001_initial"),
        ("claims", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
