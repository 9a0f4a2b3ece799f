"""The console's settings (kept apart so that the service can name them without loading the
templates)."""

from __future__ import annotations

from dataclasses import dataclass

from twiliokit.errors import ConfigurationError

__all__ = ["BASE", "ConsoleSettings"]

#: Where the console is served.
BASE = "/console"
#: The most rows a page shows (the ledger reads one more to know there is a next page).
_MAX_PAGE = 999


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleSettings:
    """How the console runs. ``secure_cookies``: mark cookies ``Secure`` (set it when the
    public URL is https). ``emulator_url`` and ``twilio_number``: serve the handset page,
    which texts ``twilio_number`` through that emulator's control API (only when the service
    runs on the emulator). ``page_size``: conversations and messages per page."""

    secure_cookies: bool = False
    emulator_url: str | None = None
    twilio_number: str | None = None
    page_size: int = 50

    def __post_init__(self) -> None:
        if isinstance(self.page_size, bool) or not 1 <= self.page_size <= _MAX_PAGE:
            raise ConfigurationError(
                f"the console's page_size must be from 1 to {_MAX_PAGE} (got {self.page_size!r})",
                field="page_size",
            )
        if (self.emulator_url is None) != (self.twilio_number is None):
            raise ConfigurationError(
                "the handset needs both emulator_url and twilio_number (or neither)",
                field="emulator_url",
            )

    @property
    def handset(self) -> bool:
        """Whether the handset page is served."""
        return self.emulator_url is not None and self.twilio_number is not None
