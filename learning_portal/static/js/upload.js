// Video upload with a progress bar: XHR so the browser can report bytes sent.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest) return;  // without it the form still posts normally
  var box = form.querySelector(".upload-progress");
  var bar = box.querySelector(".progress");
  var fill = bar.querySelector("span");
  var status = box.querySelector(".upload-status");

  function show(percent, text) {
    box.hidden = false;
    bar.setAttribute("aria-valuenow", String(percent));
    fill.className = "w-" + String(Math.min(100, Math.floor(percent / 10) * 10));
    status.textContent = text;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        show(percent, percent < 100 ? "Uploading: " + percent + "%" : "Checking the video…");
      }
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = {}; }
      if (xhr.status === 201 && body.url) {
        window.location.assign(body.url);
      } else {
        show(0, (body.error && body.error.message) || "The upload failed (" + xhr.status + "). Try again.");
      }
    });
    xhr.addEventListener("error", function () { show(0, "The upload was interrupted. Check the connection and try again."); });
    show(0, "Uploading…");
    xhr.send(new FormData(form));
  });
})();
