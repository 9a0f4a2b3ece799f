"""2010 API: Account fetch."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twiliokit.emulator.state import Account
from twiliokit.emulator.web import API_2010, json_response, path_account, rfc2822


def account_json(account: Account) -> dict[str, Any]:
    base = f"{API_2010}/Accounts/{account.sid}"
    return {
        "sid": account.sid,
        "owner_account_sid": account.sid,
        "friendly_name": account.friendly_name,
        "status": account.status,
        "type": "Trial" if account.is_test else "Full",
        "auth_token": account.auth_token,
        "date_created": rfc2822(account.date_created),
        "date_updated": rfc2822(account.date_created),
        "uri": f"{base}.json",
        "subresource_uris": {
            "messages": f"{base}/Messages.json",
            "calls": f"{base}/Calls.json",
            "incoming_phone_numbers": f"{base}/IncomingPhoneNumbers.json",
        },
    }


async def fetch_account(request: Request) -> Response:
    account = path_account(request)
    return json_response(account_json(account))


def routes() -> list[BaseRoute]:
    return [Route(API_2010 + "/Accounts/{account_sid}.json", fetch_account, methods=["GET"])]
