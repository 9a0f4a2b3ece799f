"""The console's pages over HTTP against a real service on the emulator: sign-in, the
session and CSRF rules, the security headers, escaping, and each page with data."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx

from tests.integration.console.conftest import (
    DEMO_CONTACT,
    DEMO_GREETING,
    TOKEN,
    Console,
    serving,
    started,
)
from tests.integration.console.html import Element, parse
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.console import ConsoleSettings
from twiliokit.server.console.web import CSP
from twiliokit.webhooks.settings import WebhookSettings


def test_console_sends_a_browser_without_a_session_to_sign_in(console: Console) -> None:
    """/console and every page redirect (303) to the sign-in page until signed in."""
    assert console.get("/console").status_code == 303
    assert console.get("/console").headers["location"] == "/console/sign-in"
    for path in ("/console/inbox", "/console/opt-outs", "/console/chart", "/console/handset"):
        response = console.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/console/sign-in")


def test_sign_in_with_the_api_token_opens_the_inbox(console: Console) -> None:
    """The right token sets an HttpOnly, SameSite=Strict session cookie and opens the inbox,
    where the demo contact's conversation shows its greeting."""
    page = console.page("/console/sign-in")
    form = page.one("form", id="sign-in")
    assert form.attrs["method"] == "post"
    assert form.one("input", id="token").attrs["type"] == "password"
    assert form.one("label", for_="token").text == "API token"
    response = console.sign_in()
    assert response.headers["location"] == "/console/inbox"
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and "twiliokit_console=" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    assert TOKEN not in cookie
    assert console.get("/console").headers["location"] == "/console/inbox"
    inbox = console.page("/console/inbox")
    row = inbox.one("li", class_="conversation", data_contact=DEMO_CONTACT)
    assert row.one(class_="last-body").text == DEMO_GREETING
    assert row.one("a").attrs["href"] == f"/console/conversations/{quote(DEMO_CONTACT, safe='')}"
    assert row.one(class_="unread").text == "1"


def test_a_wrong_token_is_refused_with_401_and_an_alert(console: Console) -> None:
    """A wrong token answers 401 with the form again and an alert saying it is not right;
    no session cookie is set and the inbox stays closed."""
    response = console.post("/console/sign-in", {"token": "not-the-token-at-all-0000"})
    assert response.status_code == 401
    alert = parse(response.text).one("p", id="sign-in-error")
    assert alert.attrs["role"] == "alert"
    assert "not right" in alert.text
    assert "twiliokit_console=" not in response.headers.get("set-cookie", "")
    assert console.get("/console/inbox").status_code == 303


def test_a_form_without_its_csrf_token_is_refused(signed_in: Console) -> None:
    """Every form POST needs the CSRF token: without it (or with another browser's) the
    answer is 403 "form expired, reload the page", and nothing is sent."""
    contact = quote(DEMO_CONTACT, safe="")
    for path, fields in (
        ("/console/sign-in", {"token": TOKEN}),
        (f"/console/conversations/{contact}", {"body": "should not go"}),
        ("/console/sign-out", {}),
        ("/console/handset", {"from": DEMO_CONTACT, "body": "nope"}),
    ):
        for token in ("", "forged-token"):
            response = signed_in.http.post(path, data={"csrf_token": token, **fields})
            assert response.status_code == 403, path
            assert "form expired, reload the page" in response.text
    thread = signed_in.page(f"/console/conversations/{contact}").one("ol", id="thread")
    assert "should not go" not in thread.text


def test_every_console_response_carries_the_content_security_policy(signed_in: Console) -> None:
    """Pages, redirects, static files, errors and the sign-in page carry the CSP (no inline
    script or style), frame denial and no-store; the pages hold no inline script or style."""
    for path in (
        "/console",
        "/console/inbox",
        "/console/sign-in",
        "/console/static/htmx.min.js",
        "/console/static/console.css",
        "/console/no-such-page",
        f"/console/conversations/{quote(DEMO_CONTACT, safe='')}",
    ):
        response = signed_in.get(path)
        assert response.headers["content-security-policy"] == CSP, path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self';" in CSP
    assert "unsafe-inline" not in CSP
    html = signed_in.get("/console/inbox").text
    page = parse(html)
    assert all("src" in script.attrs for script in page.all("script"))
    assert not [e for e in page.all() if "style" in e.attrs]
    assert "<style" not in html


def test_message_bodies_are_escaped(signed_in: Console) -> None:
    """A body holding <script> or <img onerror> is shown as text in the inbox and the thread,
    never as markup."""
    hostile = "+14155550999"
    script = "<script>alert('owned')</script>"
    image = '<img src=x onerror="alert(1)">'
    signed_in.text_in(hostile, script)
    signed_in.text_in(hostile, image)
    html = signed_in.get(f"/console/conversations/{quote(hostile, safe='')}").text
    assert script not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in html
    bodies = [m.one("p", class_="body").text for m in parse(html).all("li", class_="message")]
    assert bodies == [script, image]
    inbox = signed_in.get("/console/inbox").text
    assert "<img src=x" not in inbox
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in inbox


def test_the_reading_pages_show_what_the_ledger_holds(signed_in: Console) -> None:
    """Opt-outs list who sent STOP to which sender; webhooks list deliveries and a forged
    request's signature failure with the URL checked; the chart draws the period's messages
    as SVG rects; the outbox page renders."""
    signed_in.text_in("+14155550777", "STOP")
    opt_outs = signed_in.page("/console/opt-outs").one("table", id="opt-outs")
    row = opt_outs.one("tr", data_recipient="+14155550777")
    assert signed_in.emulator.phone_number in row.text
    assert "STOP" in row.text.upper()

    forged = signed_in.http.post(
        "/webhooks/twilio/messaging",
        data={"From": "+14155550666", "Body": "forged"},
        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    )
    assert forged.status_code == 403
    webhooks = signed_in.page("/console/webhooks")
    failure = webhooks.one("table", id="signature-failures").one("tbody").one("tr")
    assert "/webhooks/twilio/messaging" in failure.one("td", class_="url").text
    assert failure.one("td", class_="diagnostic").text.strip()
    assert "forged" not in webhooks.one("table", id="signature-failures").text
    kinds = [
        r.attrs["data-kind"]
        for r in webhooks.one("table", id="deliveries").all("tr")
        if "data-kind" in r.attrs
    ]
    assert "incoming-message" in kinds

    chart = signed_in.page("/console/chart")
    svg = chart.one("svg", id="chart-statuses")
    counts = {
        r.attrs["data-status"]: int(r.attrs["data-count"])
        for r in svg.all("rect")
        if "data-count" in r.attrs
    }
    assert counts.get("received", 0) >= 2  # the greeting and the STOP
    chart.one("ol", id="top-errors")
    backwards = signed_in.get("/console/chart", since="2026-03-02", until="2026-03-01")
    assert backwards.status_code == 400
    assert "since" in parse(backwards.text).one("p", id="chart-error").text

    outbox = signed_in.page("/console/outbox")
    outbox.one("table", id="outbox-items")
    outbox.one("ul", id="batches")


def test_the_inbox_filters_pages_and_names_a_bad_filter(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """With two conversations per page the inbox links the next page (rel=next), search and
    dates (relative ones too) narrow it, and a bad status filter is a 400 alert naming it."""
    settings = ConsoleSettings(page_size=2)
    with started(emulator, tmp_path / "ledger.sqlite3", console=settings) as console:
        for number in ("+14155550101", "+14155550102", "+14155550103"):
            console.text_in(number, f"hi from {number[-3:]}")
        console.sign_in()
        first = console.page("/console/inbox")
        assert _contacts(first) == ["+14155550103", "+14155550102"]
        second = console.page(first.one("a", rel="next").attrs["href"])
        assert _contacts(second) == ["+14155550101", DEMO_CONTACT]
        assert not second.all("a", rel="next")
        assert _contacts(console.page("/console/inbox", q="from 102")) == ["+14155550102"]
        assert len(_contacts(console.page("/console/inbox", since="7d"))) == 2
        assert _contacts(console.page("/console/inbox", until="7d")) == []
        bad = console.get("/console/inbox", status="lost")
        assert bad.status_code == 400
        alert = parse(bad.text).one("p", id="filters-error")
        assert "status" in alert.text
        assert "delivered" in alert.text


def _contacts(page: Element) -> list[str]:
    return [li.attrs["data-contact"] for li in page.all("li", class_="conversation")]


def test_signing_out_ends_the_session(signed_in: Console) -> None:
    """Sign-out (with its CSRF token) answers 303 to the sign-in page, and the same cookie no
    longer opens the inbox."""
    session = signed_in.http.cookies.get("twiliokit_console", path="/console")
    assert session is not None
    response = signed_in.post("/console/sign-out", {}, form_page="/console/inbox")
    assert (response.status_code, response.headers["location"]) == (303, "/console/sign-in")
    signed_in.http.cookies.set("twiliokit_console", session, path="/console")
    assert signed_in.get("/console/inbox").status_code == 303


def test_cookies_are_secure_behind_an_https_public_url(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    """When the public URL is https, the session and CSRF cookies are marked Secure."""
    public = WebhookSettings(auth_token=emulator.auth_token, public_url="https://example.test")
    with (
        serving(emulator, tmp_path / "ledger.sqlite3", webhooks=public) as (url, _),
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        page = http.get("/console/sign-in")
        assert "Secure" in page.headers["set-cookie"]
        csrf = parse(page.text).one("input", name="csrf_token").attrs["value"]
        # The client keeps Secure cookies for https only: hand this one over as a browser
        # behind the https proxy would.
        cookie = page.headers["set-cookie"].split(";")[0]
        signed = http.post(
            "/console/sign-in",
            data={"csrf_token": csrf, "token": TOKEN},
            headers={"cookie": cookie},
        )
        assert signed.status_code == 303
        assert "Secure" in signed.headers["set-cookie"]


def test_a_long_thread_pages_back_in_time(signed_in: Console) -> None:
    """A thread longer than a page shows the newest messages, oldest first, and an older-page
    link (rel=next) that shows the rest; a bad `before` is a 400 page naming it."""
    contact = "+14155550160"
    for n in range(53):
        signed_in.text_in(contact, f"message {n}")
    newest = signed_in.page(f"/console/conversations/{quote(contact, safe='')}")
    bodies = [m.one("p", class_="body").text for m in newest.all("li", class_="message")]
    assert bodies == [f"message {n}" for n in range(3, 53)]
    older = signed_in.page(newest.one("a", rel="next").attrs["href"])
    bodies = [m.one("p", class_="body").text for m in older.all("li", class_="message")]
    assert bodies == ["message 0", "message 1", "message 2"]
    assert not older.all("a", rel="next")
    bad = signed_in.get(f"/console/conversations/{quote(contact, safe='')}", before="soon")
    assert bad.status_code == 400
    assert "before" in parse(bad.text).one("p", id="error").text


def test_a_chart_date_past_the_calendar_is_a_400_naming_it(signed_in: Console) -> None:
    """A date whose offset takes it past year 9999 in UTC is a 400 alert naming ``until``,
    not a server error."""
    response = signed_in.get("/console/chart", until="9999-12-31T23:59:59-05:00")
    assert response.status_code == 400
    assert "until" in parse(response.text).one("p", id="chart-error").text


def test_cookies_and_tokens_outside_ascii_are_refused_not_a_server_error(
    console: Console,
) -> None:
    """A session cookie or a CSRF token with characters outside ASCII (anyone can send one)
    is treated as not signed in, or an expired form: never a 500."""
    cookie = {"Cookie": b"twiliokit_console=1.2.\xc3\xa9"}
    response = console.http.get("/console/inbox", headers=cookie)
    assert (response.status_code, response.headers["location"]) == (303, "/console/sign-in")
    console.get("/console/sign-in")  # the CSRF cookie
    response = console.http.post("/console/sign-in", data={"csrf_token": "é", "token": "x"})
    assert response.status_code == 403
    assert "form expired, reload the page" in response.text
