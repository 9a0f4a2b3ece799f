"""How `twiliokit worker` takes repeated stop signals (``twiliokit.cli.worker._StopOnSignal``)."""

from __future__ import annotations

import signal

import pytest

from twiliokit.cli import worker


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def time(self) -> float:
        return self.now


def test_a_repeat_within_the_grace_is_the_same_stop_and_a_late_one_ends_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first signal stops cleanly, a second at once (GNU timeout's pair) changes nothing,
    and one after the grace (the stop hangs; the user presses Ctrl-C again) exits 128+N."""
    stops: list[None] = []
    exits: list[int] = []
    monkeypatch.setattr(worker.os, "_exit", exits.append)
    clock = _Clock()
    on_signal = worker._StopOnSignal(lambda: stops.append(None), clock)  # type: ignore[arg-type]
    on_signal(signal.SIGTERM)
    clock.now += 0.01
    on_signal(signal.SIGTERM)
    assert (len(stops), exits) == (1, [])
    clock.now += worker.REPEAT_GRACE
    on_signal(signal.SIGINT)
    assert (len(stops), exits) == (1, [128 + signal.SIGINT])
