import django.db.models.functions.text
from django.db import migrations, models

# The intake looks senders up by address whatever its case (Django's iexact: UPPER(...) = UPPER(...)):
# the account of each mail's sender, and whether an account exists before one is made for it.
# Without these indexes every mail reads the whole user table.
USER_INDEXES = [
    ("mailchannel_user_email_upper_idx", 'UPPER("email"::text)'),
    ("mailchannel_user_username_upper_idx", 'UPPER("username"::text)'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('mailchannel', '0002_clearer_labels'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='inboundmessage',
            index=models.Index(django.db.models.functions.text.Lower('from_address'), models.F('received_at'), name='inbound_sender_lower_idx'),
        ),
        *[
            migrations.RunSQL(f'CREATE INDEX IF NOT EXISTS {name} ON auth_user ({expression})',
                              f'DROP INDEX IF EXISTS {name}')
            for name, expression in USER_INDEXES
        ],
    ]
