"""The event API: a farm's systems send events as JSON (docs/api.md).

Every request goes through the CSV import's own checks (:func:`import_records`): a JSON
value becomes the text a CSV cell would hold, so one set of rules judges a file and a
request, and a finding names the event by its index (``[3].amount_kg: ...``).

- :mod:`.payload`: JSON events -> text records, and their findings of shape;
- :mod:`.access`: who may write which events (the one place roles and sites enter);
- :mod:`.posting`: a request's events stored (or refused) as one import run;
- :mod:`.departures`: a stay's departure recorded (an update of a keyed record);
- :mod:`.deleting`: an event deleted by its identity;
- :mod:`.recompute`: the changed days handed to the workers, once per batch;
- :mod:`.views`, :mod:`.serializers`, :mod:`.urls`: the HTTP side.
"""
