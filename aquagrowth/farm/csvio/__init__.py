"""A farm's data as a folder of CSV files, one per kind of record (docs/csv-format.md).

:func:`import_farm` checks every row and stores all or nothing; :func:`export_farm`
writes the same format, so exporting and importing gives the same farm.
"""

from aquagrowth.farm.csvio.exporting import UnknownBatches, export_farm
from aquagrowth.farm.csvio.importing import ImportResult, import_farm

__all__ = ["ImportResult", "UnknownBatches", "export_farm", "import_farm"]
