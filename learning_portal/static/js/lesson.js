// Tells the server the lesson page is open and visible, every 15 seconds; the server counts the time (at most
// 30 seconds a beat), so a lesson's minimum time cannot be met by a client alone.
(function () {
  "use strict";
  var note = document.querySelector(".seat-time[data-heartbeat-url]");
  if (!note) { return; }
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var min = Number(note.dataset.min);
  function beat() {
    if (document.visibilityState !== "visible") { return; }
    fetch(note.dataset.heartbeatUrl, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": token}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var left = Math.max(0, min - data.active_s);
        note.textContent = left > 0 ? "This lesson counts after " + Math.ceil(left / 60) + " more minute" +
          (Math.ceil(left / 60) === 1 ? "" : "s") + " on the page." : "You have spent the lesson's time: it counts now.";
      })
      .catch(function () { /* the next beat tries again */ });
  }
  setInterval(beat, 15000);
}());
