from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoingemail",
            name="link_secret",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The masked link's token, encrypted; emptied once the email is sent.",
            ),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="link_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the masked link stops working; empty when the email has none.",
                null=True,
            ),
        ),
    ]
