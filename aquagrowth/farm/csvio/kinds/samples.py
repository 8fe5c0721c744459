"""Growth samples and, optionally, the fish weighed in them one by one."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.catalogue import Catalogue, Key
from aquagrowth.farm.csvio.cells import Date, Integer, Number
from aquagrowth.farm.csvio.format import Column, FileSpec
from aquagrowth.farm.csvio.kinds.base import Bad, Kind, Row
from aquagrowth.farm.csvio.kinds.events import (
    BATCH,
    IDENTITY,
    AssignmentEventKind,
    assignment_columns,
)

SAMPLE_KEY = ("batch", "container", "assignment_date", "sample_date")


class SampleKind(AssignmentEventKind):
    spec = FileSpec(
        "samples",
        (
            BATCH,
            *assignment_columns(),
            Column("sample_date", Date(), "Day of the growth sample."),
            Column("sample_size", Integer(minimum=1, unit="fish"), "Fish weighed."),
            Column("avg_weight_g", Number(above=0, unit="g"), "Mean weight of the fish weighed."),
            Column(
                "std_weight_g",
                Number(required=False, at_least=0, unit="g"),
                "Standard deviation of their weights.",
            ),
            Column(
                "avg_length_cm",
                Number(
                    required=False,
                    above=0,
                    unit="cm",
                    at_most_setting="AQUAGROWTH_MAX_FISH_LENGTH_CM",
                ),
                "Mean length.",
            ),
            *IDENTITY,
        ),
    )
    model = m.GrowthSample
    date_column = "sample_date"
    weight_columns = ("avg_weight_g", "std_weight_g")

    def stored_query(self):
        return m.GrowthSample.objects

    def hold_bad(self, row: Row, catalogue: Catalogue) -> None:
        if all(column in row for column in SAMPLE_KEY):
            catalogue.broken_samples.add(tuple(row[column] for column in SAMPLE_KEY))

    def accept(self, line: int, row: Row, catalogue: Catalogue) -> None:
        catalogue.sample_days[tuple(row[column] for column in SAMPLE_KEY)] += 1


class FishKind(Kind):
    """Fish of a growth sample. The sample is named by its assignment and day, so fish can
    only be given for a day with one sample of that assignment."""

    spec = FileSpec(
        "fish",
        (
            BATCH,
            *assignment_columns("", "the sample's assignment"),
            Column("sample_date", Date(), "Day of the growth sample the fish belongs to."),
            Column(
                "fish_number",
                Integer(minimum=0, unit="fish"),
                "Number of the fish within its sample; key with the sample.",
            ),
            Column("weight_g", Number(above=0, unit="g"), "Weight of the fish."),
            Column(
                "length_cm",
                Number(
                    required=False,
                    above=0,
                    unit="cm",
                    at_most_setting="AQUAGROWTH_MAX_FISH_LENGTH_CM",
                ),
                "Its length.",
            ),
        ),
        key=(*SAMPLE_KEY, "fish_number"),
    )
    model = m.FishObservation
    weight_columns = ("weight_g",)

    def __init__(self) -> None:
        self._stored_samples: Counter[Key] | None = None
        self._sample_ids: dict[Key, int] | None = None

    def stored(self, batch_ids):
        queryset = m.FishObservation.objects.order_by("sample_id", "fish_number")
        if batch_ids is not None:
            queryset = queryset.filter(sample__batch_id__in=batch_ids)
        return queryset.values_list(
            "pk",
            "sample__batch__number",
            "sample__assignment__container__name",
            "sample__assignment__assignment_date",
            "sample__sample_date",
            "fish_number",
            "weight_g",
            "length_cm",
        )

    def before_storing(self) -> None:
        self._stored_sample_days()  # the samples of the files are counted apart

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        key = tuple(row[column] for column in SAMPLE_KEY)
        samples = catalogue.sample_days[key] + self._stored_sample_days()[key]
        if samples == 0 and key in catalogue.broken_samples:
            return  # its sample was reported bad
        if samples == 0:
            bad("sample_date", "no growth sample of batch {} in {} (arrived {}) on {}".format(*key))
        elif samples > 1:
            bad(
                "sample_date",
                f"{samples} growth samples of that assignment on {key[3]}: "
                "which one the fish belongs to cannot be told",
            )

    def build(self, row: Row, catalogue: Catalogue) -> m.FishObservation:
        if self._sample_ids is None:
            self._sample_ids = {
                tuple(key): pk for pk, *key in _sample_keys().values_list("pk", *_KEYS)
            }
        key = tuple(row[column] for column in SAMPLE_KEY)
        return m.FishObservation(
            sample_id=self._sample_ids[key],
            fish_number=row["fish_number"],
            weight_g=row["weight_g"],
            length_cm=row["length_cm"],
        )

    def _stored_sample_days(self) -> Counter[Key]:
        if self._stored_samples is None:
            counted = _sample_keys().values_list(*_KEYS).annotate(n=Count("pk"))
            self._stored_samples = Counter({tuple(key): n for *key, n in counted})
        return self._stored_samples


_KEYS = (
    "batch__number",
    "assignment__container__name",
    "assignment__assignment_date",
    "sample_date",
)


def _sample_keys():
    return m.GrowthSample.objects.order_by()
