"""An export imported into the farm it came from changes nothing (docs/data-in.md)."""

from __future__ import annotations

from aquagrowth.farm.csvio import export_farm, import_farm
from tests.farm.conftest import farm_content


def test_an_export_imported_into_its_own_farm_changes_nothing(farm, tmp_path):
    before = farm_content()
    export_farm(tmp_path / "farm")

    result = import_farm(tmp_path / "farm")

    assert result.ok, [str(error) for error in result.errors]
    assert not result.changed and result.run_id is None
    assert result.already_stored["fish"] == 2, "the fish of a sample named again are there"
    assert farm_content() == before
