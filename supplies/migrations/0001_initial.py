# Supply and SupplyVersion moved here from the doses app with their tables and rows: the
# tables keep their names (Meta.db_table), so this migration creates the models in the
# migration state only; doses 0011 then removes them from doses' state. The content types are
# renamed, so that admin permissions and the admin's log entries follow the models.

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

MODELS = ("supply", "supplyversion")


def _move_content_types(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # A row already made for the new label (post_migrate on an earlier run) is kept; the
        # old one is then stale, and remove_stale_contenttypes tidies it.
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move_content_types(apps, "doses", "supplies")


def backwards(apps, schema_editor):
    _move_content_types(apps, "supplies", "doses")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The tables were made by doses 0004 and stay as they are.
        ("doses", "0010_checkin_phase"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Supply',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('medication', models.CharField(choices=[('cyanocobalamin', 'Cyanocobalamin'), ('hydroxocobalamin', 'Hydroxocobalamin'), ('methylcobalamin', 'Methylcobalamin')], max_length=20, verbose_name='product')),
                        ('concentration_mcg_per_ml', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100000)], verbose_name='strength (mcg/mL)')),
                        ('container_ml', models.DecimalField(decimal_places=2, help_text='1 for a 1 mL ampoule, 30 for a 30 mL multi-dose vial.', max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.1')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='volume of each (mL)')),
                        ('count', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(500)], verbose_name='how many')),
                        ('expires_on', models.DateField(verbose_name='expiry date')),
                        ('lot_number', models.CharField(blank=True, max_length=40)),
                        ('received_on', models.DateField(help_text='Injections given from this day on are taken from this supply.', verbose_name='in use from')),
                        ('note', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('deleted_at', models.DateTimeField(blank=True, null=True)),
                        ('submission_token', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='supplies', to=settings.AUTH_USER_MODEL)),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'supplies',
                        'db_table': 'doses_supply',
                        'ordering': ['expires_on', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SupplyVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.CharField(blank=True, max_length=300)),
                        ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('change', models.CharField(choices=[('corrected', 'Corrected'), ('deleted', 'Removed'), ('restored', 'Restored')], max_length=10)),
                        ('previous', models.JSONField(help_text="The supply's values before this change.")),
                        ('changed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('supply', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='supplies.supply')),
                    ],
                    options={
                        'db_table': 'doses_supplyversion',
                        'ordering': ['-changed_at', '-pk'],
                        'abstract': False,
                    },
                ),
                migrations.AddIndex(
                    model_name='supply',
                    index=models.Index(fields=['patient', 'expires_on'], name='supply_patient_expiry'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
