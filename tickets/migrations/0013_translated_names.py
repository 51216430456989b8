"""Category and tier names in English and German (tickets/translation.py): the existing name becomes
the English one; the German one is entered in the admin (until then readers see the English)."""

from django.db import migrations, models


def copy_names(apps, schema_editor):
    for model in ("Category", "Tier"):
        apps.get_model("tickets", model).objects.update(name_en=models.F("name"))


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0012_customer_search_phone_digits"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="name_de",
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="category",
            name="name_en",
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="tier",
            name="name_de",
            field=models.CharField(max_length=80, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="tier",
            name="name_en",
            field=models.CharField(max_length=80, null=True, verbose_name="name"),
        ),
        migrations.RunPython(copy_names, migrations.RunPython.noop),
    ]
