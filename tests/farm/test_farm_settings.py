"""The farm's settings: defaults on first read, one row, changes recorded."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aquagrowth.farm.models import FarmSettings, SettingsChange, WeightModel, save_settings

pytestmark = pytest.mark.django_db


def test_first_read_gives_the_documented_defaults():
    settings = FarmSettings.current()
    assert settings.weight_model == WeightModel.SMOOTHED
    assert settings.feed_silence_days == 3
    assert settings.mortality_spike_pct == 0.5
    assert FarmSettings.objects.count() == 1


def test_a_second_row_is_refused():
    FarmSettings.current()
    with pytest.raises(IntegrityError), transaction.atomic():
        FarmSettings.objects.create(pk=2)


def test_a_change_records_who_and_only_the_values_that_changed():
    manager = User.objects.create_user("manager")
    settings = FarmSettings.current()
    settings.feed_silence_days = 5
    change = save_settings(settings, manager)
    assert change.who_name == "manager"
    assert change.before == {"feed_silence_days": 3}
    assert change.after == {"feed_silence_days": 5}
    assert FarmSettings.current().feed_silence_days == 5
    assert save_settings(FarmSettings.current(), manager) is None
    assert SettingsChange.objects.count() == 1


def test_a_value_out_of_range_is_refused_and_nothing_is_recorded():
    settings = FarmSettings.current()
    settings.mortality_spike_pct = 150
    with pytest.raises(ValidationError, match="mortality_spike_pct"):
        save_settings(settings)
    assert FarmSettings.current().mortality_spike_pct == 0.5
    assert not SettingsChange.objects.exists()
