# Supply and SupplyVersion moved to the supplies app (supplies 0001), their tables and rows
# unchanged: they leave doses' migration state only. Nothing in doses points at them.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("doses", "0010_checkin_phase"),
        ("supplies", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SupplyVersion"),
                migrations.DeleteModel(name="Supply"),
            ],
            database_operations=[],
        ),
    ]
