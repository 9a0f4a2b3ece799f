"""The emulator's state: accounts and keys here; each product keeps its own store.

A product module defines a store class taking the ``EmulatorState`` and reaches it with
``state.store(MessagingStore)``: stores are created on first use and dropped on reset, so
adding a product never touches this module.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from twiliokit.emulator.clock import Scheduler, VirtualClock
from twiliokit.emulator.config import EmulatorConfig
from twiliokit.emulator.sids import new_sid

if TYPE_CHECKING:
    from twiliokit.emulator.callbacks import WebhookDispatcher
    from twiliokit.emulator.faults import FaultTable

StoreT = TypeVar("StoreT")


@dataclass
class Record:
    """What a product's stored resource starts with: its SID, account, when it was created
    and last changed, and its place in the list order (see :meth:`EmulatorState.stamp`)."""

    sid: str
    account_sid: str
    date_created: datetime
    date_updated: datetime
    seq: int


class Stamp(TypedDict):
    """A new :class:`Record`'s fields but its account, from :meth:`EmulatorState.stamp`."""

    sid: str
    date_created: datetime
    date_updated: datetime
    seq: int


@dataclass
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    date_created: datetime
    #: Test credentials: magic numbers apply, no callbacks, only the 2010 create endpoints.
    is_test: bool = False
    status: str = "active"


@dataclass
class ApiKey:
    sid: str
    secret: str
    account_sid: str
    friendly_name: str
    date_created: datetime


@dataclass
class EmulatorState:
    config: EmulatorConfig
    clock: VirtualClock
    scheduler: Scheduler
    dispatcher: WebhookDispatcher
    faults: FaultTable
    accounts: dict[str, Account] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    _stores: dict[Any, Any] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def store(self, cls: type[StoreT]) -> StoreT:
        """The product store of this type, created on first use."""
        found = self._stores.get(cls)
        if found is None:
            found = self._stores[cls] = cls(self)  # type: ignore[call-arg]
        result: StoreT = found
        return result

    def next_seq(self) -> int:
        """A monotonic number: list order (newest first) among records created at one instant."""
        return next(self._seq)

    def stamp(self, prefix: str) -> Stamp:
        """A new record's SID, creation time (its update time too) and place in the order."""
        now = self.clock.now()
        return {
            "sid": new_sid(prefix),
            "date_created": now,
            "date_updated": now,
            "seq": self.next_seq(),
        }

    @property
    def main_account(self) -> Account:
        return self.accounts[self.config.account_sid]

    def seed(self) -> None:
        """Fresh accounts; products seed their own stores (numbers) on first use."""
        now = self.clock.now()
        cfg = self.config
        self.accounts = {
            cfg.account_sid: Account(cfg.account_sid, cfg.auth_token, "twiliokit emulator", now),
            cfg.test_account_sid: Account(
                cfg.test_account_sid, cfg.test_auth_token, "test credentials", now, is_test=True
            ),
        }
        self.api_keys = {}
        self._stores = {}

    def create_api_key(self, account_sid: str, friendly_name: str = "") -> ApiKey:
        import secrets

        key = ApiKey(
            new_sid("SK"), secrets.token_hex(16), account_sid, friendly_name, self.clock.now()
        )
        self.api_keys[key.sid] = key
        return key
