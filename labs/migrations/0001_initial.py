# LabRange, LabResult and LabResultVersion moved here from the doses app with their tables and
# rows: the tables keep their names (Meta.db_table), so this migration creates the models in the
# migration state only; doses 0012 then removes them from doses' state. The content types are
# renamed, so that admin permissions and the admin's log entries follow the models (as
# supplies 0001 did for the supplies).

import accounts.dates
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models

MODELS = ("labrange", "labresult", "labresultversion")


def _move_content_types(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # A row already made for the new label (post_migrate on an earlier run) is kept; the
        # old one is then stale, and remove_stale_contenttypes tidies it.
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move_content_types(apps, "doses", "labs")


def backwards(apps, schema_editor):
    _move_content_types(apps, "labs", "doses")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The tables were made by doses 0001, 0003 and 0006 and stay as they are.
        ("doses", "0011_move_supplies"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='LabRange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('analyte', models.CharField(choices=[('b12', 'Serum vitamin B12 (cobalamin)'), ('active_b12', 'Active B12 (holotranscobalamin)'), ('mma', 'Methylmalonic acid (MMA)'), ('homocysteine', 'Homocysteine'), ('hemoglobin', 'Hemoglobin'), ('mcv', 'Mean cell volume (MCV)'), ('folate', 'Serum folate')], max_length=20, unique=True)),
                        ('low', models.DecimalField(decimal_places=3, max_digits=10)),
                        ('high', models.DecimalField(decimal_places=3, max_digits=10)),
                        ('note', models.TextField(blank=True)),
                    ],
                    options={
                        'db_table': 'doses_labrange',
                        'ordering': ['analyte'],
                    },
                ),
                migrations.CreateModel(
                    name='LabResult',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('taken_on', models.DateField()),
                        ('analyte', models.CharField(choices=[('b12', 'Serum vitamin B12 (cobalamin)'), ('active_b12', 'Active B12 (holotranscobalamin)'), ('mma', 'Methylmalonic acid (MMA)'), ('homocysteine', 'Homocysteine'), ('hemoglobin', 'Hemoglobin'), ('mcv', 'Mean cell volume (MCV)'), ('folate', 'Serum folate')], max_length=20)),
                        ('value', models.DecimalField(decimal_places=3, max_digits=10)),
                        ('unit', models.CharField(max_length=12)),
                        ('value_canonical', models.DecimalField(decimal_places=3, editable=False, max_digits=12)),
                        ('note', models.TextField(blank=True, max_length=2000)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('deleted_at', models.DateTimeField(blank=True, null=True)),
                        ('submission_token', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='labs', to=settings.AUTH_USER_MODEL)),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'doses_labresult',
                        'ordering': ['-taken_on', '-pk'],
                    },
                    bases=(accounts.dates.BoundedDates, models.Model),
                ),
                migrations.CreateModel(
                    name='LabResultVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.CharField(blank=True, max_length=300)),
                        ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('change', models.CharField(choices=[('corrected', 'Corrected'), ('deleted', 'Deleted'), ('restored', 'Restored')], max_length=10)),
                        ('previous', models.JSONField(help_text="The result's values before this change.")),
                        ('changed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('lab', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='labs.labresult')),
                    ],
                    options={
                        'db_table': 'doses_labresultversion',
                        'ordering': ['-changed_at', '-pk'],
                        'abstract': False,
                    },
                    bases=(accounts.dates.BoundedDates, models.Model),
                ),
                migrations.AddIndex(
                    model_name='labresult',
                    index=models.Index(fields=['patient', '-taken_on'], name='lab_patient_day'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
