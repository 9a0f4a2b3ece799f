"""The pytest plugin installed with twiliokit: a user's own test suite gets a running emulator
through the `twilio_emulator` fixtures, with no conftest of its own."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

USER_TESTS = """
from twiliokit import Client

ORDERS = []


def test_sends_and_delivers(twilio_emulator):
    with Client(twilio_emulator.connection()) as client:
        sent = client.create_message(to="+14155550123", body="Your order shipped")
        assert sent.status == "queued"
        twilio_emulator.control.advance(60)
        assert client.fetch_message(sent.sid).status == "delivered"
    ORDERS.append(sent.sid)


def test_the_session_variant_keeps_state(twilio_emulator_session):
    with Client(twilio_emulator_session.connection()) as client:
        assert [m.sid for m in client.list_messages().items] == ORDERS


def test_each_test_starts_fresh(twilio_emulator):
    with Client(twilio_emulator.connection()) as client:
        assert client.list_messages().items == ()
"""


def test_user_suite_uses_the_fixtures(pytester: pytest.Pytester) -> None:
    """A user's tests (run by pytest in a subprocess, as a user runs them) send an SMS on the
    emulator, advance its clock to delivery, and get a fresh emulator in the next test."""
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=3)


def test_a_conftest_overrides_the_configuration(pytester: pytest.Pytester) -> None:
    """A user's conftest.py that overrides `twilio_emulator_config` gets an emulator started
    with that configuration (here another account SID, which its connection carries)."""
    pytester.makeconftest(
        """
        import pytest
        from twiliokit.emulator import EmulatorConfig

        @pytest.fixture(scope="session")
        def twilio_emulator_config():
            return EmulatorConfig(time_rate=1.0, account_sid="AC" + "2" * 32)
        """
    )
    pytester.makepyfile(
        test_account="""
        from twiliokit import Client

        def test_account(twilio_emulator):
            assert twilio_emulator.connection().account_sid == "AC" + "2" * 32
            with Client(twilio_emulator.connection()) as client:
                assert client.fetch_account().sid == "AC" + "2" * 32
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)
