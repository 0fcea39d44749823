"""Open311 GeoReport v2 at ``/open311/v2/`` (docs/open311.md).

Field names and the error format follow the GeoReport v2 specification
(wiki.open311.org/GeoReport_v2): services are our six categories
(``service_code`` = category code), a service request is a signal
(``service_request_id`` = its reference).

Privacy choices (DESIGN.md §6), documented in docs/open311.md:

* POST needs an ``api_key`` (one per connected app, see ``Open311Client``);
  ``first_name``, ``last_name``, ``phone``, ``device_id``, ``account_id`` and
  ``media_url`` are accepted but never stored;
* GET answers about other people's reports never carry the description, an
  address, coordinates, a postcode or the buurt: ``address`` is the woonplaats
  and the times are the day only;
* ``care_worry`` signals (a worry about a neighbour) are never listed and are
  shown by their reference only to their reporter (``token``, the follow
  token from the POST answer or the confirmation e-mail) and to the
  responsible team's professionals (logged in, signal in their areas);
  anyone else gets the same 404 as for a reference that does not exist.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, timedelta

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from veerkracht.web.signals import access
from veerkracht.web.signals import services as signal_services
from veerkracht.web.signals.geo import OutsideNetherlands, wgs84_to_rd
from veerkracht.web.signals.locations import LocationError
from veerkracht.web.signals.models import Open311Client, Signal
from veerkracht.web.signals.workflow import (
    CATEGORIES,
    CATEGORY_HELP,
    CLOSED_LABEL,
    FINAL,
    MERGED,
    open311_status,
    status_explanation,
    status_label,
)

MAX_DESCRIPTION = 4000
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
#: Never listed in GET requests (a worry about a person's wellbeing).
UNLISTED = frozenset({"care_worry"})

KEYWORDS = {
    "noise": "lawaai, herrie, muziek, geluid",
    "neighbour_conflict": "ruzie, buren, bedreiging, spanning",
    "unsafety": "onveilig, angst, donker, overlast",
    "neglect": "vuil, rommel, portiek, galerij, verlichting",
    "care_worry": "zorg, gordijnen, post, eenzaam, zorgsignaal",
    "indifference": "onverschillig, contact, buren, eenzaamheid",
}


class Open311Error(Exception):
    """An error answered as a GeoReport ``errors`` list."""

    def __init__(self, status: int, description: str, code: int | None = None):
        super().__init__(description)
        self.status = status
        self.code = code or status
        self.description = description


# -- rendering -----------------------------------------------------------------
def _w3(dt) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(el, key)
            if value is not None:
                child.text = (
                    str(value).lower() if isinstance(value, bool) else str(value)
                )
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def render(rows: list[dict], fmt: str, root: str, item: str, status: int = 200):
    """A GeoReport list as JSON (an array) or XML (``<root><item>…``)."""
    if fmt == "xml":
        return HttpResponse(
            _xml(root, item, rows),
            status=status,
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse(
        rows,
        safe=False,
        status=status,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )


def error_response(exc: Open311Error, fmt: str):
    """``[{"code": …, "description": …}]`` with the HTTP status of the error."""
    return render(
        [{"code": exc.code, "description": exc.description}],
        fmt,
        "errors",
        "error",
        status=exc.status,
    )


def _guard(view):
    """Turn Open311Error (and oversized bodies) into GeoReport errors."""

    def wrapped(request, *args, fmt="json", **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(exc, fmt)
        except RequestDataTooBig:
            return error_response(Open311Error(400, "Het verzoek is te groot."), fmt)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def service_row(code: str) -> dict:
    """One GeoReport service for a category."""
    return {
        "service_code": code,
        "service_name": str(CATEGORIES[code]),
        "description": str(CATEGORY_HELP[code]),
        "metadata": False,
        "type": "realtime",
        "keywords": KEYWORDS[code],
        "group": "samenleven",
    }


def _day(dt) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT00:00:00Z")


def may_see(request, signal: Signal) -> bool:
    """Reporter (valid follow ``token``) or the responsible team's professional."""
    token = request.GET.get("token", "")
    if token and signal.check_follow_token(token):
        return True
    return access.can_handle(request.user) and access.in_area(request.user, signal)


def _status_notes(signal: Signal, own: bool) -> str:
    """The status in words; a merged signal is only "closed" to anyone but its
    reporter and the team (that another report exists is theirs to know)."""
    if signal.status == MERGED and not own:
        return str(CLOSED_LABEL)
    return status_label(signal.status)


def request_row(signal: Signal, *, own: bool = False) -> dict:
    """One GeoReport service request, never with text, address or coordinates.

    ``own`` (the reporter or the team) adds the buurt code and exact times;
    for everyone else ``address`` is the woonplaats and times are the day.
    """
    if own:
        where = ", ".join(p for p in (signal.buurtcode, signal.woonplaats) if p)
        stamp = _w3
    else:
        where = signal.woonplaats
        stamp = _day
    return {
        "service_request_id": signal.reference,
        "status": open311_status(signal.status),
        "status_notes": _status_notes(signal, own),
        "service_name": str(CATEGORIES.get(signal.category, signal.category)),
        "service_code": signal.category,
        "description": None,
        "agency_responsible": signal.team.name,
        "service_notice": (status_explanation(signal.status)
                           if own or signal.status != MERGED else None),
        "requested_datetime": stamp(signal.created_at),
        "updated_datetime": stamp(signal.closed_at or signal.updated_at),
        "expected_datetime": None,
        "address": where or None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


# -- views ---------------------------------------------------------------------
@require_http_methods(["GET"])
@_guard
def discovery(request, fmt="json"):
    """Service discovery (a single endpoint, GeoReport v2)."""
    base = request.build_absolute_uri("/open311/v2/")
    body = {
        "changeset": "2026-01-01T00:00:00Z",
        "contact": "Meldpunt Samenleven (zie de website)",
        "key_service": "Vraag een api_key aan bij de beheerder van Veerkracht.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-01-01T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    if fmt == "xml":
        root = ET.Element("discovery")
        for k in ("changeset", "contact", "key_service"):
            ET.SubElement(root, k).text = body[k]
        eps = ET.SubElement(root, "endpoints")
        ep = ET.SubElement(eps, "endpoint")
        for k in ("specification", "url", "changeset", "type"):
            ET.SubElement(ep, k).text = body["endpoints"][0][k]
        fmts = ET.SubElement(ep, "formats")
        for f in body["endpoints"][0]["formats"]:
            ET.SubElement(fmts, "format").text = f
        return HttpResponse(
            ET.tostring(root, encoding="utf-8", xml_declaration=True),
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse(body)


@require_http_methods(["GET"])
@_guard
def services_list(request, fmt="json"):
    """GET Service List."""
    return render([service_row(c) for c in CATEGORIES], fmt, "services", "service")


services = services_list  # URL name kept short


@require_http_methods(["GET"])
@_guard
def service_definition(request, code: str, fmt="json"):
    """GET Service Definition: no extra attributes for any service."""
    if code not in CATEGORIES:
        raise Open311Error(404, f"service_code '{code}' bestaat niet.")
    if fmt == "xml":
        root = ET.Element("service_definition")
        ET.SubElement(root, "service_code").text = code
        ET.SubElement(root, "attributes")
        return HttpResponse(
            ET.tostring(root, encoding="utf-8", xml_declaration=True),
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse({"service_code": code, "attributes": []})


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests(request, fmt="json"):
    """GET Service Requests (filters) and POST Service Request (api_key)."""
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


#: Dates a query may name: wide enough for any real report, narrow enough
#: that adding the 90-day span never leaves the calendar (year 9999 did).
_DATE_RANGE = (1970, 2999)


def _date(name: str, raw: str):
    try:
        dt = parse_datetime(raw) if raw else None
    except ValueError:  # well formed but no date: year 0, month 13, +99:00
        dt = None
    if raw and (dt is None or dt.tzinfo is None):
        raise Open311Error(
            400,
            f"{name} moet een w3-datum met tijdzone zijn, "
            "bijvoorbeeld 2026-01-01T00:00:00Z.",
        )
    if dt is not None and not _DATE_RANGE[0] <= dt.year <= _DATE_RANGE[1]:
        raise Open311Error(
            400, f"{name} moet tussen {_DATE_RANGE[0]} en {_DATE_RANGE[1]} liggen.")
    return dt


def _list(request, fmt):
    q = request.GET
    qs = Signal.objects.select_related("team")
    ids = _split(q.get("service_request_id", ""))
    if ids:
        rows = []
        for s in qs.filter(reference__in=ids[:MAX_RESULTS]):
            own = may_see(request, s)
            if s.category in UNLISTED and not own:
                continue  # as if it did not exist
            rows.append(request_row(s, own=own))
        return render(rows, fmt, "service_requests", "request")
    codes = _split(q.get("service_code", ""))
    unknown = [c for c in codes if c not in CATEGORIES]
    if unknown:
        raise Open311Error(404, f"service_code '{unknown[0]}' bestaat niet.")
    start = _date("start_date", q.get("start_date", ""))
    end = _date("end_date", q.get("end_date", ""))
    if start and end and end - start > MAX_SPAN:
        raise Open311Error(
            400, "start_date en end_date liggen meer dan 90 dagen uit elkaar."
        )
    if start and end and end < start:
        raise Open311Error(400, "end_date ligt voor start_date.")
    end = end or (start + MAX_SPAN if start else timezone.now())
    start = start or end - MAX_SPAN
    statuses = _split(q.get("status", ""))
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise Open311Error(400, "status kan alleen 'open' of 'closed' zijn.")
    qs = qs.filter(created_at__gte=start, created_at__lte=end).exclude(
        category__in=UNLISTED
    )
    if codes:
        qs = qs.filter(category__in=codes)
    if statuses == ["open"]:
        qs = qs.exclude(status__in=sorted(FINAL))
    elif statuses == ["closed"]:
        qs = qs.filter(status__in=sorted(FINAL))
    page = list(qs.order_by("-created_at")[:MAX_RESULTS])
    own: set[int] = set()
    if access.can_handle(request.user):  # the team gets its own rows in full
        own = set(
            Signal.objects.filter(access.area_filter(request.user))
            .filter(pk__in=[s.pk for s in page])
            .values_list("pk", flat=True)
        )
    rows = [request_row(s, own=s.pk in own) for s in page]
    return render(rows, fmt, "service_requests", "request")


ADDRESS_RE = re.compile(
    r"^\s*(?P<straat>[^\d,]+?)\s+(?P<nr>\d+)\s*(?P<suffix>[A-Za-z0-9\-]*)\s*"
    r"(?:,\s*(?P<rest>.*))?$"
)
POSTCODE_IN = re.compile(r"\b(\d{4})\s?([A-Za-z]{2})\b")


def parse_address_string(text: str) -> dict:
    """Turn ``"Bosweg 12-2, 9351 AA Voorbeeldstad"`` into lookup arguments.

    With a postcode and a number: an address. Without a postcode: the street
    in the woonplaats (``"Bosweg, Voorbeeldstad"`` or ``"Bosweg 3, Voorbeeldstad"``).

    Examples
    --------
    >>> parse_address_string("Bosweg 12-2, 9351 AA Voorbeeldstad")
    {'postcode': '9351AA', 'huisnummer': '12', 'toevoeging': '2'}
    >>> parse_address_string("Bosweg, Voorbeeldstad")
    {'straat': 'Bosweg', 'woonplaats': 'Voorbeeldstad'}
    """
    text = (text or "").strip()
    pc = POSTCODE_IN.search(text)
    m = ADDRESS_RE.match(text)
    if m and pc:
        return {
            "postcode": f"{pc.group(1)}{pc.group(2).upper()}",
            "huisnummer": m.group("nr"),
            "toevoeging": m.group("suffix").lstrip("-"),
        }
    rest = POSTCODE_IN.sub("", text)
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    if len(parts) >= 2:
        street = re.sub(r"\s+\d+\S*$", "", parts[0]).strip()
        return {"straat": street, "woonplaats": parts[-1]}
    raise LocationError(
        "address_string niet begrepen: gebruik 'Straat 12, 1234 AB Plaats' of "
        "'Straat, Plaats'."
    )


def _create(request, fmt):
    data = request.POST
    client = Open311Client.authenticate(data.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "api_key ontbreekt of is ongeldig.")
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code ontbreekt.")
    if code not in CATEGORIES:
        raise Open311Error(404, f"service_code '{code}' bestaat niet.")
    description = data.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, "description is langer dan 4000 tekens.")
    email = (data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, "email is geen geldig e-mailadres.") from None
    lat, lon = data.get("lat", "").strip(), data.get("long", "").strip()
    try:
        if data.get("address_id", "").strip():
            location = signal_services.resolve_location(
                address_id=data["address_id"].strip()
            )
        elif lat or lon:
            if not (lat and lon):
                raise Open311Error(
                    400, "lat en long moeten allebei worden meegestuurd."
                )
            try:
                x, y = wgs84_to_rd(float(lat), float(lon))
            except ValueError as exc:
                if isinstance(exc, OutsideNetherlands):
                    raise Open311Error(400, f"lat/long: {exc}.") from None
                raise Open311Error(400, "lat en long moeten getallen zijn.") from None
            location = signal_services.resolve_location(x=x, y=y)
        elif data.get("address_string", "").strip():
            location = signal_services.resolve_location(
                **parse_address_string(data["address_string"])
            )
        else:
            raise Open311Error(
                400,
                "Geen locatie: stuur lat en long, address_string of address_id mee.",
            )
    except LocationError as exc:
        raise Open311Error(400, str(exc)) from None
    created = signal_services.create_signal(
        category=code,
        location=location,
        source="resident",
        description=description,
        contact_email=email,
        channel="open311",
        request=request,
    )
    signal = created.signal
    rows = [
        {
            "service_request_id": signal.reference,
            "service_notice": status_explanation(signal.status),
            "account_id": None,
            # not in GeoReport v2: the reporter's key to their own request
            # (GET .../requests/{id}.json?token=...), as in the follow link
            "follow_token": signal.follow_token,
        }
    ]
    return render(rows, fmt, "service_requests", "request")


@require_http_methods(["GET"])
@_guard
def request_detail(request, request_id: str, fmt="json"):
    """GET Service Request: one signal by its reference (a list of one)."""
    signal = Signal.objects.select_related("team").filter(reference=request_id).first()
    own = signal is not None and may_see(request, signal)
    if signal is None or (signal.category in UNLISTED and not own):
        # a worry about a neighbour answers exactly like a reference that does
        # not exist, to anyone but its reporter and the team
        raise Open311Error(404, f"service_request_id '{request_id}' bestaat niet.")
    return render([request_row(signal, own=own)], fmt, "service_requests", "request")


__all__ = ["discovery", "request_detail", "requests", "service_definition", "services"]
