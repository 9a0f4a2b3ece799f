"""One exception tree for everything twiliokit raises.

::

    TwiliokitError                      base; ``to_dict()`` is the JSON error every surface shows
    ├── ConfigurationError              credentials, config file or vault are missing or malformed
    │   └── VaultError                  the vault cannot be opened (wrong passphrase, bad file)
    ├── ValidationError                 bad input caught before any request left (names the field)
    ├── ComplianceError                 refused before sending by a compliance rule
    │   ├── OptedOutError               the recipient replied STOP to this sender
    │   ├── WhatsAppWindowError         free-form WhatsApp outside the 24-hour window
    │   └── PolicyError                 quiet hours, destination country, daily cap, guardrails
    ├── StorageError                    the ledger database failed (unreachable, locked, broken)
    ├── NotRecordedError                the ledger has no record of it (not Twilio's 404)
    ├── TwilioError                     Twilio answered with an error (status, code, more_info)
    │   ├── AuthenticationError         401 / 20003
    │   ├── NotFoundError               404 / 20404
    │   └── RateLimitError              429 (20429, 60202, 60203); ``retry_after`` when known
    └── TransportError                  the network failed
        ├── ConnectError                the request never reached Twilio: safe to retry
        ├── TimeoutError                a request that is safe to retry timed out
        └── UnknownOutcomeError         a create may or may not have happened: check, then resend

Lower-level errors (httpx, SQLAlchemy, pydantic) are translated at the boundary with
``raise ... from exc``. An exception's docstring is its default message.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "REMEDIATION",
    "AuthenticationError",
    "ComplianceError",
    "ConfigFileError",
    "ConfigurationError",
    "ConnectError",
    "LedgerLocationError",
    "NotFoundError",
    "NotRecordedError",
    "OptedOutError",
    "PolicyError",
    "RateLimitError",
    "StorageError",
    "TimeoutError",
    "TransportError",
    "TwilioError",
    "TwiliokitError",
    "UnknownOutcomeError",
    "ValidationError",
    "VaultError",
    "WhatsAppWindowError",
]

#: What to do about Twilio's most common error codes, shown as ``hint`` on every surface.
REMEDIATION: dict[int, str] = {
    20003: "Check the account SID and auth token (or API key SID and secret); they must belong "
    "to the same account and region.",
    20404: "The resource does not exist (or no longer exists); check the SID and the account.",
    20429: "Too many requests: slow down and retry with backoff; the request was not processed.",
    21211: "The 'To' number is not a valid phone number: use E.164, e.g. +14155552671.",
    21408: "Sending to this country is not enabled: enable it under Messaging Geo Permissions.",
    21608: "Trial accounts can only send to verified numbers: verify the number or upgrade.",
    21610: "The recipient replied STOP: they must text START before you can message them again.",
    21612: "Twilio cannot route between this From and To: check the sender type for the country.",
    21614: "The 'To' number cannot receive SMS (landline or invalid mobile): use a voice call.",
    21617: "The body is over 1,600 characters: shorten it or split it into several messages.",
    63016: "Outside the WhatsApp 24-hour window: send an approved template (content_sid) instead.",
    60200: "A Verify parameter is invalid: check the 'To' number format and the channel.",
    60202: "Too many wrong codes for this verification: start a new verification.",
    60203: "Too many sends for this verification: wait for it to expire (10 minutes) first.",
    60205: "This number is a landline and cannot get an SMS code: use channel 'call'.",
}


class TwiliokitError(Exception):
    """twiliokit failed."""

    #: Short machine-readable type name used in the JSON error object.
    error_type = "error"
    #: Whether repeating the same call later may succeed.
    retryable = False
    #: Attributes :meth:`to_dict` adds after the common fields (a subclass's own details).
    _extra_fields: tuple[str, ...] = ()

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message or (self.__doc__ or "").strip()
        self.hint = hint
        self.field = field
        super().__init__(self.message)

    @property
    def code(self) -> int | None:
        """Twilio's error code, when there is one."""
        return None

    @property
    def status(self) -> int | None:
        """The HTTP status Twilio answered with, when there is one."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON error object shown by the CLI (``--json``), the HTTP API and MCP."""
        return {
            "type": self.error_type,
            "message": self.message,
            "code": self.code,
            "status": self.status,
            "retryable": self.retryable,
            "hint": self.hint,
            "field": self.field,
            **{name: getattr(self, name) for name in self._extra_fields},
        }


class ConfigurationError(TwiliokitError):
    """twiliokit is not configured correctly."""

    error_type = "configuration_error"


class ConfigFileError(ConfigurationError):
    """The config file says something twiliokit cannot read: its names are the file's own
    (tables and keys), never command-line flags."""


class VaultError(ConfigurationError):
    """The vault could not be opened."""

    error_type = "vault_error"


class ValidationError(TwiliokitError, ValueError):
    """The input is not valid."""

    error_type = "validation_error"


class ComplianceError(TwiliokitError):
    """The message was refused before sending by a compliance rule."""

    error_type = "compliance_error"


class OptedOutError(ComplianceError):
    """The recipient has opted out of messages from this sender (they replied STOP)."""

    error_type = "opted_out"


class WhatsAppWindowError(ComplianceError):
    """Free-form WhatsApp messages are only allowed within 24 hours of the user's last message."""

    error_type = "whatsapp_window_closed"


class PolicyError(ComplianceError):
    """A configured policy refused the request."""

    error_type = "policy_refused"


class StorageError(TwiliokitError):
    """The ledger database failed."""

    error_type = "storage_error"


class LedgerLocationError(StorageError):
    """The ledger URL points at something that cannot hold a ledger (a directory that does
    not exist, a file that is not a SQLite database): it fails the same way until it is
    fixed."""


class NotRecordedError(TwiliokitError):
    """The ledger has no record of it."""

    error_type = "not_found"


class TwilioError(TwiliokitError):
    """Twilio answered with an error."""

    error_type = "twilio_error"
    _extra_fields: tuple[str, ...] = ("more_info", "request_id")

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int,
        code: int | None = None,
        more_info: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        details: Any = None,
        retryable: bool | None = None,
        hint: str | None = None,
    ) -> None:
        self._status = status
        self._code = code
        self.more_info = more_info
        self.request_id = request_id
        self.method = method
        self.url = url
        self.details = details
        if retryable is not None:
            self.retryable = retryable
        if hint is None and code is not None:
            hint = REMEDIATION.get(code)
        super().__init__(message, hint=hint)

    @property
    def code(self) -> int | None:
        return self._code

    @property
    def status(self) -> int | None:
        return self._status


class AuthenticationError(TwilioError):
    """Twilio refused the credentials."""

    error_type = "authentication_error"


class NotFoundError(TwilioError):
    """The requested resource was not found."""

    error_type = "not_found"


class RateLimitError(TwilioError):
    """Twilio is rate limiting these requests."""

    error_type = "rate_limited"
    retryable = True
    _extra_fields = (*TwilioError._extra_fields, "retry_after")

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class TransportError(TwiliokitError):
    """The request to Twilio failed on the network."""

    error_type = "transport_error"
    retryable = True


class ConnectError(TransportError):
    """Could not connect to Twilio; the request was never sent."""

    error_type = "connect_error"


class TimeoutError(TransportError):  # scoped to twiliokit.errors, as httpx does
    """The request to Twilio timed out."""

    error_type = "timeout"


class UnknownOutcomeError(TransportError):
    """The request was sent but no answer came back: it may or may not have taken effect.

    Resending could duplicate it. ``check`` describes how to find out (for a message: list
    messages with the same To/From sent since ``sent_at`` and compare bodies).
    """

    error_type = "unknown_outcome"
    retryable = False
    _extra_fields = ("sent_at",)

    def __init__(
        self,
        message: str | None = None,
        *,
        method: str,
        url: str,
        params: dict[str, Any] | None = None,
        sent_at: str | None = None,
        check: str | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.params = params or {}
        self.sent_at = sent_at
        self.check = check
        super().__init__(message, hint=check)
