// twiliokit console: live updates over server-sent events (the page works without this).
// A status event updates the matching li.message[data-sid]; a new message refreshes the
// list it belongs in (the thread, the inbox, the handset's replies) with htmx.
(function () {
  "use strict";
  var source = document.body.getAttribute("data-events");
  if (!source || !window.EventSource) {
    return;
  }

  // One refresh of a list at a time; events meanwhile ask for one more once it is done. (htmx
  // would queue the next request on the element the swap replaces, losing its answer, so an
  // older status fetched first would stay on the page.)
  var refreshing = {};
  function refresh(selector) {
    var element = document.querySelector(selector);
    if (!element || !window.htmx) {
      return;
    }
    if (refreshing[selector]) {
      refreshing[selector] = "again";
      return;
    }
    refreshing[selector] = true;
    function done() {
      var again = refreshing[selector] === "again";
      refreshing[selector] = false;
      if (again) {
        refresh(selector);
      }
    }
    window.htmx
      .ajax("GET", window.location.href, {
        target: selector,
        select: selector,
        swap: "outerHTML",
      })
      .then(done, done);
  }

  function onStatus(data) {
    var found = document.querySelectorAll("li.message[data-sid]");
    var matched = false;
    found.forEach(function (item) {
      if (item.getAttribute("data-sid") !== data.sid) {
        return;
      }
      matched = true;
      item.setAttribute("data-status", data.status);
      var label = item.querySelector(".status");
      if (label) {
        label.textContent = data.status;
      }
    });
    if (matched) {
      refresh("#thread"); // the timeline gains the new status
    }
  }

  function onMessage(data) {
    var thread = document.querySelector("#thread");
    if (thread && thread.getAttribute("data-contact") === data.contact) {
      refresh("#thread");
    }
    var replies = document.querySelector("#handset-replies");
    if (replies && replies.getAttribute("data-contact") === data.contact) {
      refresh("#handset-replies");
    }
    refresh("#conversations");
  }

  var events = new EventSource(source);
  function listen(name, handler) {
    events.addEventListener(name, function (event) {
      try {
        handler(JSON.parse(event.data));
      } catch (error) {
        // a malformed event is ignored; the next page load shows the truth
      }
    });
  }
  listen("status", onStatus);
  listen("message", onMessage);
  document.body.setAttribute("data-live", "connecting");
  events.addEventListener("open", function () {
    document.body.setAttribute("data-live", "open");
  });
})();
