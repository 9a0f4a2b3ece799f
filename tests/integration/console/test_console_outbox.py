"""The outbox and batch pages over HTTP with a real bulk send queued in the ledger (no worker
runs, so its items wait): items and their state, the batch's progress, cancelling it."""

from __future__ import annotations

from typing import Any

from tests.integration.console.conftest import TOKEN, Console
from tests.integration.console.html import parse

RECIPIENTS = ["+14155550171", "+14155550172", "+14155550173"]


def _send_bulk(console: Console) -> dict[str, Any]:
    response = console.http.post(
        "/v1/actions/send_bulk",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"recipients": [{"to": to} for to in RECIPIENTS], "body": "Spring sale"},
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_outbox_shows_a_bulk_send_and_its_batch_can_be_canceled(signed_in: Console) -> None:
    """A bulk send's items are listed queued with their recipients; its batch page shows a
    progress bar per state out of the batch's total; cancelling it (with the CSRF token)
    cancels the queued items, which the outbox then shows canceled."""
    batch_id = _send_bulk(signed_in)["batch_id"]
    outbox = signed_in.page("/console/outbox")
    rows = outbox.one("table", id="outbox-items").all("tr")
    items = [r for r in rows if "data-id" in r.attrs]
    assert len(items) == len(RECIPIENTS)
    assert {r.one("td", class_="state").text for r in items} == {"queued"}
    assert all(r.attrs["data-id"].startswith("OB") for r in items)
    link = outbox.one("ul", id="batches").one("li", data_id=batch_id).one("a")
    batch = signed_in.page(link.attrs["href"])
    queued = batch.one(id="batch-progress").one("progress", id="progress-queued")
    assert (queued.attrs["value"], queued.attrs["max"]) == ("3", "3")
    batch.one("table", id="sender-rates")
    form = batch.one("form", id="cancel-batch")
    canceled = signed_in.post(form.attrs["action"], {}, form_page=link.attrs["href"])
    assert canceled.status_code == 303
    after = parse(signed_in.get(canceled.headers["location"]).text)
    assert "3 queued items canceled" in after.one(id="batch-notice").text
    rows = signed_in.page("/console/outbox").one("table", id="outbox-items").all("tr")
    assert {r.one("td", class_="state").text for r in rows if "data-id" in r.attrs} == {"canceled"}


def test_an_unknown_batch_is_a_404_page(signed_in: Console) -> None:
    """A batch id the ledger does not hold answers 404 with a page saying so."""
    response = signed_in.get("/console/batches/BTnope")
    assert response.status_code == 404
    assert "BTnope" in parse(response.text).one("p", id="error").text
