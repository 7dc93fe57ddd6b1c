# LabRange, LabResult and LabResultVersion moved to the labs app (labs 0001), their tables and
# rows unchanged: they leave doses' migration state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("doses", "0011_move_supplies"),
        ("labs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="LabResultVersion"),
                migrations.DeleteModel(name="LabResult"),
                migrations.DeleteModel(name="LabRange"),
            ],
            database_operations=[],
        ),
    ]
