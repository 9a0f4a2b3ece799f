"""Verify actions: services, rate limits and their buckets, webhooks, and sending and checking
one-time codes.

Every action but ``create_verify_service``/``list_verify_services`` works on one Verify
service, named by ``service_sid`` (VA...). Inputs are checked before any request.
:mod:`.services` holds a service and what belongs to it (rate limits, their buckets,
webhooks), :mod:`.verifications` the one-time codes, and :mod:`.fields` what their inputs
share. Importing this package registers them all.
"""

from __future__ import annotations

from twiliokit.actions.verify import services, verifications
from twiliokit.actions.verify.fields import RateLimitInput

# The package's face re-exports its modules' names, listed once in each module's __all__.
from twiliokit.actions.verify.services import *  # noqa: F403
from twiliokit.actions.verify.verifications import *  # noqa: F403

__all__ = ["RateLimitInput"]
__all__ += services.__all__
__all__ += verifications.__all__
