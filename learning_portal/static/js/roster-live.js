// While check-in is open, refresh the roster on the session page as people check in.
(function () {
  "use strict";
  var roster = document.getElementById("roster");
  if (!roster || !roster.dataset.liveUrl) return;
  var counter = document.getElementById("roster-count");
  var known = parseInt(roster.dataset.count, 10) || 0;
  function poll() {
    fetch(roster.dataset.liveUrl, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status !== "running") { window.location.reload(); return; }
        if (s.attendees === known) { window.setTimeout(poll, 3000); return; }
        // Do not replace the table while someone is editing a row in it.
        if (roster.contains(document.activeElement) && document.activeElement !== document.body) { window.setTimeout(poll, 3000); return; }
        return fetch(roster.dataset.rosterUrl, { credentials: "same-origin", cache: "no-store" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            known = s.attendees;
            roster.innerHTML = html;
            if (counter) counter.textContent = "(" + known + ")";
            window.setTimeout(poll, 3000);
          });
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 3000);
})();
