// Saves a quiz's answers as the learner goes, and counts down a time limit. The server keeps the time: this
// only shows it, and submits the form when it runs out (what was saved in time is what counts).
(function () {
  "use strict";
  var form = document.querySelector("form.quiz[data-save-url]");
  if (!form) { return; }
  var status = document.querySelector(".save-status");
  var timer = document.querySelector(".timer[data-deadline]");
  var pending = null;

  function save() {
    pending = null;
    var body = new FormData(form);
    fetch(form.dataset.saveUrl, {method: "POST", body: body, credentials: "same-origin",
                                 headers: {"X-CSRFToken": body.get("csrf_token")}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (status) { status.textContent = data.saved + " answer" + (data.saved === 1 ? "" : "s") + " saved."; }
      })
      .catch(function () { if (status) { status.textContent = "Not saved: check your connection."; } });
  }

  form.addEventListener("change", function () {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(save, 400);
  });

  if (timer) {
    var deadline = new Date(timer.dataset.deadline).getTime();
    var shown = timer.querySelector(".countdown");
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      shown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") + " left.";
      if (left === 0) { clearInterval(handle); form.requestSubmit(); }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
}());
