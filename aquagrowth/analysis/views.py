"""API views: who may ask what; the answers come from the services."""

from __future__ import annotations

from dataclasses import astuple

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from aquagrowth.accounts.roles import CanRead, IsManager, ReadsOrManagerWrites, is_admin
from aquagrowth.accounts.sites import visible_batches, visible_stays
from aquagrowth.analysis import answer_cache, export, recorded_through, run_status, scenario_pin
from aquagrowth.analysis import serializers as s
from aquagrowth.analysis.answer_key import answer_key
from aquagrowth.analysis.growth_data import GrowthQuery, growth_data
from aquagrowth.analysis.recompute import queue_recompute
from aquagrowth.analysis.unexplained_loss import report_data, unexplained_loss
from aquagrowth.distributed.tasks import NotQueued
from aquagrowth.engine.models import DailyState
from aquagrowth.farm.models import Batch

RETRY_AFTER_S = 30
"""What a 503 of the recompute endpoint tells the client to wait before it asks again."""


class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Batches, and the combined growth data of one: those of the user's sites only; any
    other batch answers 404, as one that does not exist."""

    queryset = Batch.objects.select_related("species").order_by("number")
    serializer_class = s.BatchSerializer
    permission_classes = [CanRead]

    def get_queryset(self):
        return visible_batches(self.request.user, super().get_queryset())

    def get_serializer(self, *args, **kwargs):
        """The serializer, with the recorded-through dates of the batches it shows read
        in one query (a page of batches must not cost a query per batch)."""
        if args and self.action in ("list", "retrieve"):
            batches = list(args[0]) if kwargs.get("many") else [args[0]]
            context = kwargs.setdefault("context", self.get_serializer_context())
            context["recorded_through"] = recorded_through.of_batches(b.id for b in batches)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(
        parameters=[s.GrowthQuerySerializer],
        responses={200: s.GrowthDataSerializer},
        description=(
            "Batch, scenario in force, growth samples, scenario projection (by date), "
            "actual daily states, forward projection and container stays, as column arrays. "
            "A batch without a scenario answers with its states, `scenario: null` and "
            "`scenario_missing`."
        ),
    )
    @action(detail=True, methods=["get"])
    def growth(self, request, pk=None):
        # Who asks and what come first: the cache only ever answers a permitted request
        # for a batch that exists and that the user may see (the lookup goes through
        # get_queryset, the user's sites: another site's batch is 404 here, before any
        # cache), with a valid query. DRF's lookup answers 404 for an id that is no number
        # (Django's would raise) and checks the object's permissions.
        batch = self.get_object()
        query = self._growth_query(batch)
        if answer_cache.enabled() and request.accepted_renderer.format == "json":
            key = answer_key(batch.id, astuple(query))
            if key is None:  # deleted since it was read above
                raise Http404
            return answer_cache.cached_answer(request, key, lambda: growth_data(batch, query))
        return Response(growth_data(batch, query))

    def _growth_query(self, batch) -> GrowthQuery:
        params = s.GrowthQuerySerializer(data=self.request.query_params, context={"batch": batch})
        params.is_valid(raise_exception=True)
        return GrowthQuery(
            start=params.validated_data.get("start"),
            end=params.validated_data.get("end"),
            assignment_id=params.validated_data.get("assignment"),
            granularity=params.validated_data["granularity"],
            period=params.validated_data.get("period"),
        )

    @extend_schema(
        parameters=[s.GrowthQuerySerializer, s.GrowthExportSerializer],
        responses={
            (200, export.XLSX_TYPE): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        },
        description=(
            "The growth data's tables for a spreadsheet: `kind=xlsx` (default) a workbook "
            "with an About sheet (batch, range, data as of, units) and the sheets Batch by "
            "day, Pens, Pens by day and TGC and FCR periods; `kind=csv` one of them "
            "(`table`), wide, units in the headers. Same query as the growth data."
        ),
    )
    @action(detail=True, methods=["get"], url_path="growth-export")
    def growth_export(self, request, pk=None):
        batch = self.get_object()
        query = self._growth_query(batch)
        wanted = s.GrowthExportSerializer(data=request.query_params)
        wanted.is_valid(raise_exception=True)
        answer = growth_data(batch, query)
        scope = f"-{query.assignment_id}" if query.assignment_id else ""
        name = f"{batch.number}-growth-{query.granularity}{scope}"
        if wanted.validated_data["kind"] == "csv":
            table = wanted.validated_data["table"]
            body = export.csv_text(batch, answer, table)
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
            name = f"{name}-{table}.csv"
        else:
            response = HttpResponse(export.workbook(batch, answer), content_type=export.XLSX_TYPE)
            name = f"{name}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(
        methods=["GET"],
        responses={200: s.BatchScenariosSerializer},
        description=(
            "The batch's scenarios (newest first, each with the day its plan reaches the "
            "harvest weight), the one pinned and the pin's recorded changes."
        ),
    )
    @extend_schema(
        methods=["PUT"],
        request=s.PinRequestSerializer,
        responses={200: s.PinAnswerSerializer},
        description=(
            "Pin one of the batch's scenarios (`null`: unpin, the newest is in force): "
            "managers and admins. The change is recorded (who, when, before, after) and, "
            "when the scenario in force changed, the batch's recompute is queued; with the "
            "broker down the pin is still saved and `recompute.queued` is false, its "
            "`detail` saying why. A scenario of another batch is a 400 naming `scenario`."
        ),
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path="scenario",
        permission_classes=[ReadsOrManagerWrites],
    )
    def scenario(self, request, pk=None):
        batch = self.get_object()
        answer: dict = {}
        if request.method == "PUT":
            body = s.PinRequestSerializer(data=request.data, context={"batch": batch})
            body.is_valid(raise_exception=True)
            done = scenario_pin.pin(batch, body.validated_data["scenario"], request.user)
            recompute = {
                "needed": done.needed,
                "queued": done.queued,
                "task_id": done.task_id or None,
            }
            answer = {"changed": done.changed, "recompute": {**recompute, "detail": done.detail}}
        answer |= {
            "batch": batch.id,
            "pinned_scenario": batch.pinned_scenario_id,
            "scenarios": scenario_pin.scenarios_of(batch),
            "history": scenario_pin.history(batch),
        }
        shape = s.PinAnswerSerializer if request.method == "PUT" else s.BatchScenariosSerializer
        return Response(shape(answer).data)


class DailyStatePagination(PageNumberPagination):
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000


class DailyStateViewSet(viewsets.ReadOnlyModelViewSet):
    """Actual daily states, one per assignment and day, filtered and paginated."""

    serializer_class = s.DailyStateSerializer
    pagination_class = DailyStatePagination
    permission_classes = [CanRead]

    @extend_schema(parameters=[s.DailyStateFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        states = DailyState.objects.order_by("batch_id", "date", "assignment_id")
        user = self.request.user
        if not is_admin(user):
            # Through the assignments, as every read of this table: those of the batches
            # of the user's sites. Another site's states are absent, as if none existed.
            states = states.filter(assignment__in=visible_stays(user).values("pk"))
        if self.action != "list":
            return states
        params = s.DailyStateFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        wanted = params.validated_data
        # Batch and container go through their assignments, the table's one index.
        if "batch" in wanted:
            states = states.of_batch(wanted["batch"])
        if "container" in wanted:
            states = states.in_container(wanted["container"])
        if "assignment" in wanted:
            states = states.filter(assignment_id=wanted["assignment"])
        if "start" in wanted:
            states = states.filter(date__gte=wanted["start"])
        if "end" in wanted:
            states = states.filter(date__lte=wanted["end"])
        return states


class RecomputeView(APIView):
    """Queue a recompute of a batch or of one assignment's batch from a day on."""

    permission_classes = [IsManager]

    @extend_schema(
        request=s.RecomputeRequestSerializer,
        responses={202: s.RecomputeAnswerSerializer, 503: OpenApiTypes.OBJECT},
        description=(
            "Queued, not run: answers 202 with the task ids. Days after `end` are "
            "recomputed too, since every later day depends on the earlier ones. When the "
            "broker cannot take the task, 503 with the reason in `detail` (and a failed "
            "recompute run): retry later."
        ),
    )
    def post(self, request):
        body = s.RecomputeRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        batch = body.validated_data.get("batch")
        assignment = body.validated_data.get("assignment")
        start = body.validated_data.get("start")
        try:
            queued = queue_recompute(batch=batch, assignment=assignment, start=start)
        except NotQueued as exc:
            # Stored as a failed run too; the batch's next recompute takes these days.
            answer = {"detail": f"The recompute could not be queued: {exc}"}
            headers = {"Retry-After": str(RETRY_AFTER_S)}
            return Response(answer, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
        answer = {"batch": queued.batch, "since": queued.since, "task_ids": queued.task_ids}
        return Response(answer, status=status.HTTP_202_ACCEPTED)


class RecomputeRunsView(APIView):
    """The recompute runs of a batch of the user's sites, or of one task of it: what the
    page polls after a recompute or a pin."""

    permission_classes = [CanRead]

    @extend_schema(
        parameters=[s.RunsQuerySerializer],
        responses={200: s.RecomputeRunsSerializer},
        description=(
            "The batch's latest runs, newest first: status, start, finish, seconds, rows "
            "and, for a failed run, what went wrong in words. With `task` (a task id the "
            "recompute or the pin answered), that task's runs and its `state`: queued "
            "until a worker starts it, running, retrying, done or failed. Another site's "
            "batch is 404, as one that does not exist."
        ),
    )
    def get(self, request):
        params = s.RunsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        batch = get_object_or_404(visible_batches(request.user), pk=params.validated_data["batch"])
        answer = run_status.runs_answer(batch.id, params.validated_data.get("task"))
        return Response(s.RecomputeRunsSerializer(answer).data)


class UnexplainedLossView(APIView):
    """The unexplained loss of harvested pens and of sites, as farms publish it for ASC:
    of the batches the user may see."""

    permission_classes = [CanRead]

    @extend_schema(
        parameters=[s.UnexplainedLossQuerySerializer],
        responses={200: s.UnexplainedLossSerializer},
        description=(
            "Per stay a harvest emptied: stocked - recorded mortality - transferred out - "
            "harvested, in fish and % of stocked (negative: a gain); per site (freshwater "
            "station or sea area) and batch the same, moves between its pens left out. "
            "Computed from the records, so true before any recompute. Stays still holding "
            "fish are not in it; `open_pens` counts them."
        ),
    )
    def get(self, request):
        params = s.UnexplainedLossQuerySerializer(
            data=request.query_params, context={"request": request}
        )
        params.is_valid(raise_exception=True)
        report = unexplained_loss(
            batch=params.validated_data.get("batch"),
            site=params.validated_data.get("site"),
            batches=None if is_admin(request.user) else visible_batches(request.user),
        )
        return Response(s.UnexplainedLossSerializer(report_data(report)).data)
