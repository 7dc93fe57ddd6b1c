# SymptomEntry moved to the symptoms app (symptoms 0001), its table and rows unchanged: it
# leaves doses' migration state only, and the alerts' check-in points at it there (the same
# table, so the database's foreign key is already right).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("doses", "0012_move_labs"),
        ("symptoms", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="alert",
                    name="checkin",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="alerts",
                        to="symptoms.symptomentry",
                    ),
                ),
                migrations.DeleteModel(name="SymptomEntry"),
            ],
            database_operations=[],
        ),
    ]
