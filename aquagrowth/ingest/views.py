"""The event API's endpoints: ``/api/v1/events/<kind>/``, one view class per kind.

One class per kind gives each its own request shape in the schema; they share
:class:`EventsView`'s code. Who may write is :mod:`.access`'s business, what is
stored :mod:`.posting`'s and :mod:`.deleting`'s.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aquagrowth.ingest import deleting, payload, posting
from aquagrowth.ingest import serializers as s
from aquagrowth.ingest.access import CanWriteEvents

MAX_BODY_BYTES = 64 * 1024 * 1024
"""A request's body at most (64 MiB): 10,000 samples with their fish fit; the body is
read into memory whole, so a larger one is refused before it is read."""


class EventsView(APIView):
    """POST a list of events of one kind; DELETE one by its identity."""

    kind = ""
    permission_classes = [CanWriteEvents]
    parser_classes = [JSONParser]

    def post(self, request, *args, **kwargs):
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY_BYTES:
            detail = f"The body has {length} bytes: at most {MAX_BODY_BYTES} per request."
            return Response({"detail": detail}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        query = s.RepeatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = posting.Request(
            kind=self.kind,
            events=request.data,
            user=request.user,
            repeats=query.validated_data["repeats"],
            client=request.META.get("HTTP_USER_AGENT", "")[:200],
        )
        try:
            answer = posting.post(wanted)
        except payload.BadBody as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(answer.body, status=answer.status)

    def delete(self, request, *args, **kwargs):
        try:
            done = deleting.delete(self.kind, request.query_params, request.user)
        except deleting.BadQuery as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except deleting.NotFound as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
        except deleting.Forbidden as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        answer = {"kind": done.kind, "deleted": done.events, "recompute": done.recompute}
        return Response(answer, status=status.HTTP_200_OK)


POST_DOC = (
    "Store events of this kind: a JSON list of at most {limit} objects whose fields are "
    "the columns of `{kind}.csv` (docs/csv-format.md). Checked as the CSV import checks "
    "them, all or nothing: any finding answers 400 with `findings` (`[index].field: "
    "reason`) and stores nothing. An event sent again with its identity (`source`, "
    "`external_id`) is unchanged or updated, never stored twice. 201 when something "
    "new was stored, else 200; the touched batches are queued for recompute (when the "
    "broker is down the events are still stored and `recompute.queued` is false). "
    "Operators, managers and admins only; 403 names the rows of containers outside "
    "one's sites."
)
DEPARTURES_DOC = (
    "Record stays' departures: each names a stay by batch, container and "
    "assignment_date and gives its departure_date. Equal to the stored departure: "
    "unchanged; else the stay is updated and the change recorded. Refused (400) when "
    "an event of the stay lies on or after the new departure."
)
DELETE_DOC = (
    "Delete the event the query names (by its identity; a reading by container, "
    "parameter and time). The delete is recorded as an event change and the batch "
    "queued for recompute from the event's day. 404 when there is none."
)
POST_RESPONSES = {
    200: s.PostAnswerSerializer,
    201: s.PostAnswerSerializer,
    400: s.FindingsSerializer,
    403: s.FindingsSerializer,
    413: OpenApiTypes.OBJECT,
}
DELETE_RESPONSES = {
    200: s.DeleteAnswerSerializer,
    400: OpenApiTypes.OBJECT,
    403: OpenApiTypes.OBJECT,
    404: OpenApiTypes.OBJECT,
}
IDENTITY_PARAMETERS = [
    OpenApiParameter("source", str, description="The system the event came from."),
    OpenApiParameter("external_id", str, description="The event's id in that system."),
]
READING_PARAMETERS = [
    OpenApiParameter("container", str, description="Container measured."),
    OpenApiParameter("parameter", str, description="Parameter code, e.g. temperature."),
    OpenApiParameter("reading_time", OpenApiTypes.DATETIME, description="When (UTC)."),
    OpenApiParameter("sensor", str, description="Sensor serial, when the reading has one."),
]


def view_for(kind: str) -> type[EventsView]:
    """The view class of one kind, with its schema (each method a function of its own:
    ``extend_schema`` marks the function it decorates)."""

    def post(self, request, *args, **kwargs):
        return EventsView.post(self, request, *args, **kwargs)

    def delete(self, request, *args, **kwargs):
        return EventsView.delete(self, request, *args, **kwargs)

    shown = kind.replace("_", " ")
    if kind == "departures":
        doc = DEPARTURES_DOC
    else:
        doc = POST_DOC.format(limit=payload.MAX_EVENTS, kind=kind)
    attributes = {
        "kind": kind,
        "__doc__": f"Events of kind {kind}.",
        "post": extend_schema(
            operation_id=f"events_{kind}_create",
            summary=f"Store {shown}",
            description=doc,
            parameters=[s.RepeatsQuerySerializer],
            request=s.event_serializer(posting.SPECS[kind])(many=True),
            responses=POST_RESPONSES,
            tags=["events"],
        )(post),
    }
    if kind in posting.EVENT_KINDS:
        attributes["delete"] = extend_schema(
            operation_id=f"events_{kind}_destroy",
            summary=f"Delete one {shown} event",
            description=DELETE_DOC,
            parameters=READING_PARAMETERS if kind == deleting.READINGS else IDENTITY_PARAMETERS,
            request=None,
            responses=DELETE_RESPONSES,
            tags=["events"],
        )(delete)
    else:
        attributes["http_method_names"] = ["post", "options"]
    name = "".join(part.title() for part in kind.split("_"))
    return type(f"{name}EventsView", (EventsView,), attributes)
