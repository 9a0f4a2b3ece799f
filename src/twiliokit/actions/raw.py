"""The raw_request action: any Twilio REST endpoint, with the same routing, credentials,
retries and errors as the typed actions, and no other host.

For what the catalogue has no action for (Conversations, Studio, Messaging Services, ...).
The request is sent only to ``*.twilio.com`` (or the connection's emulator): it carries the
account's credentials. A POST that creates a message, a call or a verification is refused
with the action to use instead: every send walks one pipeline (compliance, the outbox record,
pacing: :mod:`twiliokit.actions.sending`), and a raw form is no way around it. The answer
goes into an agent's context, so secrets Twilio includes
(``auth_token`` of an account or subaccount, a new API key's ``secret``, any field named like
them, the connection's own credentials anywhere in the body or headers) are masked first, in
every form of answer: JSON, text (JSON or XML) and bytes.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from twiliokit.actions.context import ActionContext
from twiliokit.actions.inputs import AgentInput, names, register
from twiliokit.actions.outputs import Output
from twiliokit.errors import NotFoundError, ValidationError
from twiliokit.redaction import MASK, redact
from twiliokit.redaction.fields import mask_fields, secret_key

__all__ = ["FileInput", "RawRequestInput", "RawRequestOutput", "raw_request"]

#: Largest file raw_request uploads (Twilio's media limit is 5 MB; some APIs take 16 MB).
MAX_FILE_BYTES = 16 * 1024 * 1024
_ACCOUNT_PLACEHOLDERS = ("{AccountSid}", "{account_sid}", "$TWILIO_ACCOUNT_SID")
_RESERVED_HEADERS = frozenset({"authorization", "host", "content-length"})

#: Paths whose POST sends (creates a message, call or verification), and the action to use.
_SEND_PATHS = (
    (re.compile(r"/2010-04-01/Accounts/[^/]+/Messages(\.json)?/?", re.IGNORECASE), "send_sms"),
    (re.compile(r"/2010-04-01/Accounts/[^/]+/Calls(\.json)?/?", re.IGNORECASE), "make_call"),
    (re.compile(r"/v2/Services/[^/]+/Verifications/?", re.IGNORECASE), "start_verification"),
)

Scalar = str | int | float | bool
ParamValue = Scalar | list[Scalar]
Params = dict[Annotated[str, Field(min_length=1, max_length=128)], ParamValue]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class FileInput(BaseModel):
    """One file of a multipart upload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(min_length=1, max_length=128, description="The form field name.")
    filename: str = Field(min_length=1, max_length=255, description="The file's name.")
    content: str | None = Field(default=None, description="The file's text (UTF-8).")
    content_base64: str | None = Field(
        default=None, description="The file's bytes, base64-encoded (instead of content)."
    )
    content_type: str | None = Field(
        default=None,
        pattern=r"^[\w.+-]+/[\w.+-]+$",
        description="Its MIME type, e.g. image/png.",
    )

    @model_validator(mode="after")
    def _one_content(self) -> Self:
        if (self.content is None) == (self.content_base64 is None):
            raise ValueError("give exactly one of content and content_base64")
        return self

    def as_file(self) -> tuple[str, bytes] | tuple[str, bytes, str]:
        if self.content_base64 is not None:
            try:
                data = base64.b64decode(self.content_base64, validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError(
                    f"'files' entry {self.field!r} has content_base64 that is not base64",
                    field="files",
                    hint="Encode the bytes with standard base64, or pass text as content.",
                ) from None
        else:
            data = (self.content or "").encode("utf-8", errors="surrogatepass")
        if len(data) > MAX_FILE_BYTES:
            raise ValidationError(
                f"'files' entry {self.field!r} is {len(data):,} bytes; the limit is "
                f"{MAX_FILE_BYTES:,}",
                field="files",
                hint="Host large media at a public URL and pass the URL instead.",
            )
        if self.content_type:
            return (self.filename, data, self.content_type)
        return (self.filename, data)


class RawRequestInput(AgentInput):
    """Arguments of raw_request."""

    method: Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE"], BeforeValidator(_upper)] = (
        Field(description="The HTTP method: GET reads; POST creates or updates; DELETE deletes.")
    )
    path: str = Field(
        min_length=1,
        max_length=2048,
        validation_alias=names("path", "url", "endpoint"),
        description="A path on the product's host, e.g. "
        "/2010-04-01/Accounts/{AccountSid}/Messages.json ({AccountSid} is filled in; on api, "
        "/Accounts/... gets /2010-04-01 in front), or a full https://*.twilio.com URL. Other "
        "hosts are refused.",
    )
    product: str = Field(
        default="api",
        pattern=r"^[a-z][a-z0-9-]{0,30}$",
        description="The product whose host serves path: api (the 2010 API: messages, calls, "
        "numbers), messaging, verify, lookups, content, conversations, studio, ... Ignored "
        "for full URLs.",
    )
    query: Params | None = Field(
        default=None,
        validation_alias=names("query", "params", "query_parameters"),
        description='Query parameters by Twilio\'s names, e.g. {"PageSize": 20}; a list '
        "repeats the parameter.",
    )
    data: Params | None = Field(
        default=None,
        validation_alias=names("data", "form", "form_data"),
        description="Form fields by Twilio's names (how most Twilio APIs take input), e.g. "
        '{"FriendlyName": "demo"}; a list repeats the field.',
    )
    json_body: Any = Field(
        default=None,
        validation_alias=names("json", "json_body"),
        description="A JSON body instead of data, for the few APIs that take one (Content).",
    )
    files: list[FileInput] | None = Field(
        default=None,
        max_length=10,
        validation_alias=names("files", "file_data"),
        description="Files to upload as multipart form data (with data as the other fields).",
    )
    headers: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")], str] | None = Field(
        default=None,
        validation_alias=names("headers", "header"),
        description="Extra headers. Authorization is always the connection's.",
    )
    response_type: Literal["json", "text", "binary"] = Field(
        default="json",
        description="How to read the answer: json (most APIs), text (TwiML, XML, CSV) or "
        "binary (media; returned base64-encoded).",
    )
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=120,
        validation_alias=names("timeout", "timeout_seconds"),
        description="Seconds to wait for each attempt (default 30).",
    )
    max_retries: int | None = Field(
        default=None,
        ge=0,
        le=10,
        validation_alias=names("max_retries", "max_retry_count"),
        description="Retries after a 429 or 503 or a connection failure (default 3; 0 for "
        "none). A POST whose answer was lost is never re-sent.",
    )
    retry_delay: float | None = Field(
        default=None,
        ge=0,
        le=60,
        validation_alias=names("retry_delay", "retry_delay_seconds"),
        description="Seconds before the first retry (default 0.5); Retry-After wins.",
    )
    exponential_backoff: bool | None = Field(
        default=None,
        validation_alias=names("exponential_backoff", "use_exponential_backoff"),
        description="Double the delay at each retry (default true).",
    )
    retry_on_all_errors: bool | None = Field(
        default=None,
        validation_alias=names("retry_on_all_errors", "retry_all_errors"),
        description="Retry every error answer (4xx and 5xx), not only 429 and 503.",
    )

    @model_validator(mode="after")
    def _body(self) -> Self:
        if self.json_body is not None and (self.data is not None or self.files):
            given = "'data'" if self.data is not None else "'files'"
            raise ValidationError(
                f"send either {given} or 'json', not both",
                field="json",
                hint="Most Twilio APIs take form fields (data); Content takes JSON.",
            )
        if self.method in {"GET", "DELETE"} and (
            self.data is not None or self.json_body is not None or self.files
        ):
            raise ValidationError(
                f"a {self.method} request has no body: put parameters in 'query'",
                field="data" if self.data is not None else "json",
                hint="Use query for filters, or POST to send data.",
            )
        for name in self.headers or {}:
            if name.lower() in _RESERVED_HEADERS:
                raise ValidationError(
                    f"the {name} header is set by twiliokit and cannot be given",
                    field="headers",
                    hint="Drop it: credentials come from the connection.",
                )
        if not self.path.startswith("/") and not self.path.lower().startswith(
            ("https://", "http://")
        ):
            raise ValidationError(
                f"'path' must start with '/' or be a full https://*.twilio.com URL, not "
                f"{self.path[:60]!r}",
                field="path",
                hint="E.g. /2010-04-01/Accounts/{AccountSid}/Messages.json with product api.",
            )
        if self.method == "POST":
            _refuse_send(self.resolved_path("AC"))
        return self

    def resolved_path(self, account_sid: str) -> str:
        """The path with the account filled in (and the 2010 API version, if left out)."""
        path = self.path
        for placeholder in _ACCOUNT_PLACEHOLDERS:
            path = path.replace(placeholder, account_sid)
        if self.product == "api" and path.startswith("/Accounts"):
            path = "/2010-04-01" + path
        return path


#: The hint of a raw request's 404, which may be a mistyped path as well as a missing resource.
_NOT_FOUND_HINT = (
    "Check 'path': the REST API's paths start /2010-04-01/Accounts/{AccountSid}/ (e.g. "
    "/2010-04-01/Accounts/{AccountSid}/Messages.json), another product's need 'product' "
    "(messaging, verify, lookups, content, ...); and check that a SID in it belongs to the "
    "account."
)


def _refuse_send(path: str) -> None:
    """Refuse a raw POST that would send: the send actions run it through the pipeline.

    Refused rather than run through the pipeline from the raw form: that would be a second,
    looser reading of the same request next to the send actions' checked arguments, and two
    ways in drift apart; the actions already send everything these endpoints take.
    """
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    path = path.split("?", 1)[0]
    for pattern, action in _SEND_PATHS:
        if pattern.fullmatch(path):
            raise ValidationError(
                "raw_request does not send messages, calls or verification codes: every send "
                "is checked by the compliance rules and recorded in the outbox first",
                field="path",
                hint=f"Use {action}: it takes the same parameters, and can schedule the send.",
            )


class RawRequestOutput(Output):
    """Twilio's answer (only successful ones: errors raise like every action)."""

    status_code: int = Field(description="The HTTP status, e.g. 200, 201 or 204.")
    data: Any = Field(
        description="The body: decoded JSON (null when empty), text, or base64 (binary)."
    )
    data_encoding: Literal["json", "text", "base64"] = Field(
        description="How data is given: json, text, or base64 for binary answers."
    )
    headers: dict[str, str] = Field(description="The answer's headers.")
    redirect_url: str | None = Field(
        description="Where a 3xx answer points: for a media file, a temporary public URL of "
        "its bytes (no credentials needed)."
    )
    request_id: str | None = Field(description="Twilio's request id (for support).")
    url: str = Field(description="The URL requested.")


def _scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` (decoded JSON, text) with secret-named keys and known secrets masked."""
    if isinstance(value, dict):
        return {
            key: MASK if secret_key(str(key)) and item else _scrub(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    return value


def _scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` (JSON or XML, or any text) with secret-named fields and known secrets masked."""
    return redact(mask_fields(text), secrets)


def _scrub_bytes(data: bytes, secrets: tuple[str, ...]) -> bytes:
    """``data`` scrubbed as text, every other byte as it was (bytes that are not UTF-8 go
    through as they came: ``surrogateescape``)."""
    text = _scrub_text(data.decode("utf-8", errors="surrogateescape"), secrets)
    return text.encode("utf-8", errors="surrogateescape")


@register(
    "raw_request",
    title="Send any request to the Twilio API",
    side_effect="destructive",
    costs_money=True,
    idempotent=False,
    aliases=("rawRequest",),
    group="raw",
)
async def raw_request(context: ActionContext, arguments: RawRequestInput) -> RawRequestOutput:
    """Call any Twilio REST endpoint the other actions do not cover (Messaging Services,
    Conversations, Studio, usage records, ...), with the connection's credentials, routing,
    retries and errors. Only *.twilio.com hosts are reached. What it does depends on the
    method: GET only reads; POST and DELETE can create, change, delete, or cost money (as
    the endpoint would), so prefer a dedicated action when there is one. Error answers
    raise twilio_error with Twilio's code and a hint. The output is the status, headers and
    body."""
    retry = None
    given: dict[str, Any] = {
        "max_retries": arguments.max_retries,
        "initial_delay": arguments.retry_delay,
        "exponential": arguments.exponential_backoff,
    }
    if arguments.retry_on_all_errors is not None or any(v is not None for v in given.values()):
        # The client's policy with what was given changed (and no retry listener).
        retry = dataclasses.replace(
            context.client.retry,
            **{name: value for name, value in given.items() if value is not None},
            retry_all_errors=bool(arguments.retry_on_all_errors),
            on_retry=None,
        )
    files = {f.field: f.as_file() for f in arguments.files} if arguments.files else None
    try:
        response = await context.client.request(
            arguments.method,
            arguments.resolved_path(context.connection.account_sid),
            product=arguments.product,
            params=arguments.query,
            data=arguments.data,
            json=arguments.json_body,
            files=files,
            headers=arguments.headers,
            response_type=arguments.response_type,
            timeout=arguments.timeout,
            retry=retry,
        )
    except NotFoundError as exc:
        # Twilio's hint for a 404 is about a SID; a raw path may be no resource at all.
        exc.hint = _NOT_FOUND_HINT
        raise
    connection = context.connection
    # A secret that is part of the account SID (the emulator's all-zero development token) is
    # left to the key-based masking, or every SID in the answer would be masked with it.
    secrets = tuple(v for v in connection.secret_values() if v not in connection.account_sid)
    data: Any = response.data
    encoding: Literal["json", "text", "base64"] = "json"
    if isinstance(data, bytes):
        data = base64.b64encode(_scrub_bytes(data, secrets)).decode("ascii")
        encoding = "base64"
    else:
        data = _scrub(data, secrets)
        encoding = "text" if arguments.response_type == "text" else "json"
    headers = _scrub(response.headers, secrets)
    location = {k.lower(): v for k, v in headers.items()}.get("location")
    return RawRequestOutput(
        status_code=response.status_code,
        data=data,
        data_encoding=encoding,
        headers=headers,
        redirect_url=location if 300 <= response.status_code < 400 else None,
        request_id=response.request_id,
        url=response.url,
    )
