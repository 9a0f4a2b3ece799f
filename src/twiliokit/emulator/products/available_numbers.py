"""2010 API: AvailablePhoneNumbers, the numbers an account can buy, by country and type.

``GET …/AvailablePhoneNumbers.json`` lists the countries, ``…/AvailablePhoneNumbers/{CC}.json``
fetches one, and ``…/AvailablePhoneNumbers/{CC}/Local|TollFree|Mobile.json`` searches numbers
with Twilio's filters: ``AreaCode``, ``Contains``, ``InRegion``, ``InPostalCode``,
``InLocality``, ``InRateCenter``, ``InLata``, ``SmsEnabled``, ``MmsEnabled``, ``VoiceEnabled``,
``FaxEnabled``, ``Beta`` and the ``Exclude*AddressRequired`` flags, paged with ``PageSize`` and
``Page``. A type a country does not offer is 404, as on Twilio; a search that finds nothing is
an empty list.

The inventory is generated, the same every time: for each area code (US, Canada) or range (GB)
the 100 numbers ``…555 0100`` to ``…555 0199`` that libphonenumber calls valid, minus the numbers
the account owns. Buying with ``AreaCode`` (``IncomingPhoneNumbers``) takes the first of these,
so the first number a search lists is the one a purchase by area code gets, and a bought
number leaves the list. Locality, region, postal code, rate center, LATA and coordinates of
the default area codes come from a small table (:data:`PLACES`); other area codes get locality
and region from libphonenumber's geocoder and null for the rest. ``AreaCode=500`` offers
Twilio's magic ``+15005550006`` (unless owned, as it is by the development account);
``AreaCode=533`` nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twiliokit import phone
from twiliokit.emulator import web
from twiliokit.emulator.errors import ApiError
from twiliokit.emulator.products.inbound import geography
from twiliokit.emulator.products.numbers import NumberStore, area_code_numbers

_LOCAL, _TOLL_FREE, _MOBILE = "Local", "TollFree", "Mobile"
_SUBRESOURCES: Final = {_LOCAL: "local", _TOLL_FREE: "toll_free", _MOBILE: "mobile"}
_ALL: Final = {"voice": True, "sms": True, "mms": True, "fax": False}
_NO_MMS: Final = {"voice": True, "sms": True, "mms": False, "fax": False}
_VOICE: Final = {"voice": True, "sms": False, "mms": False, "fax": False}
_AREA_CODE = re.compile(r"[2-9][0-9]{2}")
# Twilio's Contains: 2-16 of digits, letters (keypad digits) and the meta-characters * % + $.
_CONTAINS = re.compile(r"[0-9A-Za-z*%+$]{2,16}")
_KEYPAD: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")


@dataclass(frozen=True)
class Place:
    """What the emulator says about a default area code (the geocoder knows too few)."""

    locality: str
    region: str
    postal_code: str
    rate_center: str
    lata: str
    latitude: float
    longitude: float


#: The default area codes searched when no ``AreaCode`` is given, with their details.
PLACES: Final[dict[str, Place]] = {
    "415": Place("San Francisco", "CA", "94105", "SNFC CNTRL", "722", 37.7749, -122.4194),
    "212": Place("New York", "NY", "10001", "NWYRCYZN01", "132", 40.7506, -73.9971),
    "312": Place("Chicago", "IL", "60601", "CHCG", "358", 41.8853, -87.6216),
    "512": Place("Austin", "TX", "78701", "AUSTIN", "558", 30.2711, -97.7437),
    "206": Place("Seattle", "WA", "98101", "SEATTLE", "674", 47.6114, -122.3305),
    "617": Place("Boston", "MA", "02108", "BOSTON", "128", 42.3588, -71.0707),
    "416": Place("Toronto", "ON", "M5H 2N2", "TORONTO", "888", 43.6511, -79.3837),
    "604": Place("Vancouver", "BC", "V6B 1A1", "VANCOUVER", "888", 49.2796, -123.1154),
}


@dataclass(frozen=True)
class Offer:
    """The numbers of one type a country sells: candidate prefixes and their properties."""

    prefixes: tuple[str, ...]
    capabilities: dict[str, bool]
    address_requirements: str
    by_area_code: bool  # NANP: prefixes are +1 + area code; AreaCode picks one


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    offers: dict[str, Offer]


_TOLL_FREE_NANP = ("800", "833", "844", "855", "866", "877", "888")
COUNTRIES: Final[dict[str, Country]] = {
    "US": Country(
        "US",
        "United States",
        {
            _LOCAL: Offer(("415", "212", "312", "512", "206", "617"), _ALL, "none", True),
            _TOLL_FREE: Offer(_TOLL_FREE_NANP, _NO_MMS, "none", True),
        },
    ),
    "CA": Country(
        "CA",
        "Canada",
        {
            _LOCAL: Offer(("416", "604"), _ALL, "none", True),
            _TOLL_FREE: Offer(_TOLL_FREE_NANP, _NO_MMS, "none", True),
        },
    ),
    "GB": Country(
        "GB",
        "United Kingdom",
        {
            _LOCAL: Offer(("+4420794601",), _VOICE, "any", False),
            _MOBILE: Offer(("+4474001231",), _NO_MMS, "any", False),
            _TOLL_FREE: Offer(("+4480815701",), _VOICE, "any", False),
        },
    ),
}


# --- the inventory (pure) -----------------------------------------------------------------------


def candidates(prefix: str, by_area_code: bool) -> tuple[str, ...]:
    """The numbers a prefix offers, in order: for an area code, what buying with ``AreaCode``
    walks (:func:`numbers.area_code_numbers`); otherwise ``{prefix}00``-``{prefix}99``."""
    if by_area_code:
        return area_code_numbers(prefix)
    return _valid(tuple(f"{prefix}{line:02d}" for line in range(100)))


@functools.lru_cache(maxsize=256)
def _valid(numbers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in numbers if phone.is_valid_e164(n))


def _beta(number: str) -> bool:
    """A few numbers are 'new to the Twilio platform', so the Beta filter has something to
    leave out: those ending in 25, 50 or 75."""
    return number[-2:] in {"25", "50", "75"}


def _capabilities(offer: Offer, number: str) -> dict[str, bool]:
    """The offer's capabilities; NANP local numbers ending in 9 lack MMS (filters bite)."""
    if offer.capabilities["mms"] and number.endswith("9"):
        return dict(_NO_MMS)
    return dict(offer.capabilities)


def number_json(country: Country, offer: Offer, number: str) -> dict[str, Any]:
    """One AvailablePhoneNumber as the 2010 API shows it."""
    place = PLACES.get(number[2:5]) if offer.by_area_code else None
    if place is not None:
        city, region = place.locality, place.region
    elif offer.by_area_code and number[2:5] not in _TOLL_FREE_NANP:
        city, region, _, _ = geography(number)
        city = city.title()
    else:
        city = region = ""
    nanp = country.code in {"US", "CA"}
    return {
        "friendly_name": phone.national_format(number) if nanp else number,
        "phone_number": number,
        "lata": place.lata if place else None,
        "locality": city or None,
        "rate_center": place.rate_center if place else None,
        "latitude": place.latitude if place else None,
        "longitude": place.longitude if place else None,
        "region": region or None,
        "postal_code": place.postal_code if place else None,
        "iso_country": country.code,
        "address_requirements": offer.address_requirements,
        "beta": _beta(number),
        "capabilities": _capabilities(offer, number),
    }


def contains_pattern(raw: str) -> re.Pattern[str]:
    """Twilio's ``Contains``: letters are keypad digits, ``*`` one digit, ``%`` any digits,
    a leading ``+`` anchors at the start of the number (without ``+``), a trailing ``$`` at
    its end; otherwise the pattern may match anywhere."""
    text = raw.strip()
    if not _CONTAINS.fullmatch(text):
        raise ApiError(
            400,
            20001,
            f"Invalid Contains: {raw!r}. Use 2-16 digits or letters, with * for one digit, "
            "% for any digits, a leading + or a trailing $ to anchor.",
        )
    start = text.startswith("+")
    end = text.endswith("$")
    body = text[1 if start else 0 : -1 if end else None].upper().translate(_KEYPAD)
    regex = "".join("[0-9]" if c == "*" else "[0-9]*" if c == "%" else re.escape(c) for c in body)
    return re.compile(("^" if start else "") + regex + ("$" if end else ""))


def _flag(form: web.Form, name: str) -> bool | None:
    value = form.get(name)
    if value is None or value.strip() == "":
        return None
    lowered = value.strip().lower()
    if lowered not in {"true", "false"}:
        raise ApiError(400, 20001, f"Invalid {name}: {value!r}. Use true or false.")
    return lowered == "true"


def _prefixes(form: web.Form, offer: Offer) -> tuple[str, ...]:
    area_code = (form.get("AreaCode") or "").strip()
    if not area_code:
        return offer.prefixes
    if not offer.by_area_code:
        return ()  # AreaCode applies only to US and Canadian numbers
    if not _AREA_CODE.fullmatch(area_code):
        raise ApiError(400, 20001, f"Invalid AreaCode: {area_code!r}. Use a 3-digit area code.")
    if offer.prefixes[0] in _TOLL_FREE_NANP:
        return (area_code,) if area_code in _TOLL_FREE_NANP else ()
    if area_code in _TOLL_FREE_NANP:
        return ()
    return (area_code,)


def _text_filters(form: web.Form) -> list[tuple[str, str]]:
    fields = (
        ("InRegion", "region"),
        ("InPostalCode", "postal_code"),
        ("InLocality", "locality"),
        ("InRateCenter", "rate_center"),
        ("InLata", "lata"),
    )
    return [(key, (form.get(param) or "").strip().lower()) for param, key in fields]


def search(
    country: Country, kind: str, form: web.Form, owned: frozenset[str]
) -> list[dict[str, Any]]:
    """The numbers of ``kind`` in ``country`` matching ``form``'s filters, minus ``owned``."""
    offer = country.offers[kind]
    contains = form.get("Contains")
    pattern = contains_pattern(contains) if contains and contains.strip() else None
    flags = {
        cap: _flag(form, param)
        for param, cap in (
            ("SmsEnabled", "sms"),
            ("MmsEnabled", "mms"),
            ("VoiceEnabled", "voice"),
            ("FaxEnabled", "fax"),
        )
    }
    include_beta = _flag(form, "Beta")
    excluded = set()
    if _flag(form, "ExcludeAllAddressRequired"):
        excluded |= {"any", "local", "foreign"}
    if _flag(form, "ExcludeLocalAddressRequired"):
        excluded.add("local")
    if _flag(form, "ExcludeForeignAddressRequired"):
        excluded.add("foreign")
    texts = [(key, wanted) for key, wanted in _text_filters(form) if wanted]
    found = []
    for prefix in _prefixes(form, offer):
        for number in candidates(prefix, offer.by_area_code):
            if number in owned or (pattern and not pattern.search(number[1:])):
                continue
            item = number_json(country, offer, number)
            if include_beta is False and item["beta"]:
                continue
            if item["address_requirements"] in excluded:
                continue
            caps = item["capabilities"]
            if any(want is not None and caps[cap] != want for cap, want in flags.items()):
                continue
            if any(str(item[key] or "").lower() != wanted for key, wanted in texts):
                continue
            found.append(item)
    return found


# --- REST handlers ----------------------------------------------------------------------------


def _country(request: Request) -> Country:
    code = request.path_params["country_code"]
    country = COUNTRIES.get(code)
    if country is None:
        raise web.not_found_2010(request)
    return country


def country_json(account_sid: str, country: Country) -> dict[str, Any]:
    base = f"{web.API_2010}/Accounts/{account_sid}/AvailablePhoneNumbers/{country.code}"
    return {
        "country_code": country.code,
        "country": country.name,
        "uri": f"{base}.json",
        "beta": False,
        "subresource_uris": {_SUBRESOURCES[k]: f"{base}/{k}.json" for k in country.offers},
    }


async def list_countries(request: Request) -> Response:
    account = web.path_account(request)
    countries = [country_json(account.sid, c) for c in COUNTRIES.values()]
    return web.json_response({"countries": countries, "uri": request.url.path})


async def fetch_country(request: Request) -> Response:
    account = web.path_account(request)
    return web.json_response(country_json(account.sid, _country(request)))


async def list_numbers(request: Request) -> Response:
    account = web.path_account(request)
    country = _country(request)
    kind = request.path_params["kind"]
    if kind not in country.offers:
        raise web.not_found_2010(request)
    form = await web.read_form(request)
    store = web.state_of(request).store(NumberStore)
    owned = frozenset(n.phone_number for n in store.of_account(account.sid))
    items = search(country, kind, form, owned)
    size, page, _ = web.paging(form)  # the search result has no stable SIDs to page by token
    start = page * size
    chunk = items[start : start + size]
    filters = [(k, v) for k, v in form.pairs if k not in {"PageSize", "Page", "PageToken"}]

    def uri(number: int) -> str:
        return f"{request.url.path}?{urlencode([*filters, ('PageSize', size), ('Page', number)])}"

    return web.json_response(
        {
            "available_phone_numbers": chunk,
            "uri": uri(page),
            "page": page,
            "page_size": size,
            "start": start,
            "end": start + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if start + size < len(items) else None,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
        }
    )


def routes() -> list[BaseRoute]:
    base = web.API_2010 + "/Accounts/{account_sid}/AvailablePhoneNumbers"
    return [
        Route(base + ".json", list_countries, methods=["GET"]),
        Route(base + "/{country_code}.json", fetch_country, methods=["GET"]),
        Route(base + "/{country_code}/{kind}.json", list_numbers, methods=["GET"]),
    ]
