# SymptomEntry moved here from the doses app with its table and rows: the table keeps its name
# (Meta.db_table), so this migration creates the model in the migration state only; doses 0013
# then removes it from doses' state and points the alerts' check-in at it. The content type is
# renamed, so that admin permissions and the admin's log entries follow the model.

import accounts.dates
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import symptoms.models
import uuid
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    # A row already made for the new label (post_migrate on an earlier run) is kept; the old
    # one is then stale, and remove_stale_contenttypes tidies it.
    if not ContentType.objects.filter(app_label=new, model="symptomentry").exists():
        ContentType.objects.filter(app_label=old, model="symptomentry").update(app_label=new)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move_content_type(apps, "doses", "symptoms")


def backwards(apps, schema_editor):
    _move_content_type(apps, "symptoms", "doses")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The table was made by doses 0001 (its phase by doses 0010) and stays as it is.
        ("doses", "0012_move_labs"),
        ("contenttypes", "0002_remove_content_type_name"),
        ('regimens', '0006_plan_change_dismissed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SymptomEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, validators=[symptoms.models.validate_not_future])),
                        ('fatigue', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(10)])),
                        ('tingling', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(10)])),
                        ('numbness', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(10)])),
                        ('balance', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(10)])),
                        ('memory', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(10)])),
                        ('mood', models.PositiveSmallIntegerField(validators=[django.core.validators.MaxValueValidator(10)])),
                        ('side_effects', models.JSONField(blank=True, default=list)),
                        ('allergy_signs', models.JSONField(blank=True, default=list)),
                        ('note', models.TextField(blank=True, max_length=2000)),
                        ('submission_token', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checkins', to=settings.AUTH_USER_MODEL)),
                        ('phase', models.ForeignKey(blank=True, help_text='The phase the patient was in when they checked in.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='regimens.phase')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'symptom entries',
                        'db_table': 'doses_symptomentry',
                        'ordering': ['-recorded_at', '-pk'],
                        'indexes': [models.Index(fields=['patient', '-recorded_at'], name='checkin_patient_time')],
                    },
                    bases=(accounts.dates.BoundedDates, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
