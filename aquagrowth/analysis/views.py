"""API views: who may ask what; the answers come from the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from aquagrowth.analysis import serializers as s
from aquagrowth.analysis.growth_data import GrowthQuery, growth_data
from aquagrowth.analysis.permissions import IsStaffOrManager
from aquagrowth.analysis.recompute import queue_recompute
from aquagrowth.engine.models import DailyState
from aquagrowth.farm.models import Batch


class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Batches, and the combined growth data of one."""

    queryset = Batch.objects.select_related("species").order_by("number")
    serializer_class = s.BatchSerializer

    @extend_schema(
        parameters=[s.GrowthQuerySerializer],
        responses={200: OpenApiTypes.OBJECT},
        description=(
            "Batch, scenario in force, growth samples, scenario projection (by date), "
            "actual daily states, forward projection and container stays, as column arrays. "
            "A batch without a scenario answers with its states, `scenario: null` and "
            "`scenario_missing`."
        ),
    )
    @action(detail=True, methods=["get"])
    def growth(self, request, pk=None):
        # DRF's lookup answers 404 for an id that is no number (Django's would raise).
        batch = self.get_object()
        params = s.GrowthQuerySerializer(data=request.query_params, context={"batch": batch})
        params.is_valid(raise_exception=True)
        query = GrowthQuery(
            start=params.validated_data.get("start"),
            end=params.validated_data.get("end"),
            assignment_id=params.validated_data.get("assignment"),
            granularity=params.validated_data["granularity"],
        )
        return Response(growth_data(batch, query))


class DailyStatePagination(PageNumberPagination):
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000


class DailyStateViewSet(viewsets.ReadOnlyModelViewSet):
    """Actual daily states, one per assignment and day, filtered and paginated."""

    serializer_class = s.DailyStateSerializer
    pagination_class = DailyStatePagination

    @extend_schema(parameters=[s.DailyStateFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        states = DailyState.objects.order_by("batch_id", "date", "assignment_id")
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

    permission_classes = [IsStaffOrManager]

    @extend_schema(
        request=s.RecomputeRequestSerializer,
        responses={202: s.RecomputeAnswerSerializer},
        description=(
            "Queued, not run: answers 202 with the task ids. Days after `end` are "
            "recomputed too, since every later day depends on the earlier ones."
        ),
    )
    def post(self, request):
        body = s.RecomputeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = body.validated_data.get("batch")
        assignment = body.validated_data.get("assignment")
        start = body.validated_data.get("start")
        queued = queue_recompute(batch=batch, assignment=assignment, start=start)
        answer = {"batch": queued.batch, "since": queued.since, "task_ids": queued.task_ids}
        return Response(answer, status=status.HTTP_202_ACCEPTED)
