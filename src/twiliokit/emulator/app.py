"""Composes the emulator's ASGI app: control API, product routers, faults, errors."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from twiliokit.emulator import control
from twiliokit.emulator.callbacks import WebhookDispatcher
from twiliokit.emulator.clock import Scheduler, VirtualClock
from twiliokit.emulator.config import EmulatorConfig
from twiliokit.emulator.errors import ApiError, not_found
from twiliokit.emulator.faults import FaultMiddleware, FaultTable
from twiliokit.emulator.hosts import ForwardedHostMiddleware
from twiliokit.emulator.products import all_routes
from twiliokit.emulator.request_ids import RequestIdMiddleware
from twiliokit.emulator.state import EmulatorState


def create_state(config: EmulatorConfig) -> EmulatorState:
    clock = VirtualClock(rate=config.time_rate)
    state = EmulatorState(
        config=config,
        clock=clock,
        scheduler=Scheduler(clock),
        dispatcher=WebhookDispatcher(config, clock),
        faults=FaultTable(),
    )
    state.seed()
    return state


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, control.ControlError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return not_found(request.url.path).response()
    if exc.status_code == 405:
        return ApiError(405, 20004, f"Method not allowed: {request.method}").response()
    return ApiError(exc.status_code, exc.status_code, str(exc.detail)).response()


async def _server_error(request: Request, exc: Exception) -> Response:
    return ApiError(500, 20500, "An internal server error has occurred").response()


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    """The emulator as an ASGI app; ``app.state.emulator`` holds its state."""
    config = config or EmulatorConfig()
    state = create_state(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ticker = asyncio.create_task(state.scheduler.run_forever())
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await state.dispatcher.aclose()

    app = Starlette(
        routes=[*control.routes(), *all_routes()],
        middleware=[
            Middleware(RequestIdMiddleware),
            # A request for a product the emulator does not cover is never faulted.
            Middleware(ForwardedHostMiddleware),
            Middleware(FaultMiddleware, table=state.faults, latency_ms=config.latency_ms),
        ],
        exception_handlers={
            ApiError: _api_error,
            control.ControlError: _control_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.emulator = state
    return app
