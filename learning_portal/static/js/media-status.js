// While a video is transcoding, poll its status and reload when it is ready or has failed.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.dataset.status !== "processing") return;
  var bar = job.querySelector(".progress");
  var fill = bar && bar.querySelector("span");
  var text = job.querySelector("[role=status]");
  function poll() {
    fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status !== "processing") { window.location.reload(); return; }
        if (bar) { bar.setAttribute("aria-valuenow", String(s.progress)); fill.className = "w-" + Math.floor(s.progress / 10) * 10; }
        if (text) { text.textContent = "Transcoding: " + s.progress + "% done. This page updates by itself."; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
