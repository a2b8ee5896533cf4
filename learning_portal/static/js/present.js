// The room's screen: keeps the check-in code, its QR code and the number checked in current, and plays the
// course's videos (HLS through hls.js where available, else the MP4).
(function () {
  "use strict";
  var root = document.querySelector(".present-layout");
  if (!root) return;
  var code = document.getElementById("checkin-code");
  var expiry = document.getElementById("checkin-expiry");
  var qr = document.getElementById("checkin-qr");
  var count = document.getElementById("checkin-count");
  var recent = document.getElementById("checkin-recent");
  var secondsLeft = 0;

  function poll() {
    fetch(root.dataset.liveUrl, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        count.textContent = String(s.attendees);
        recent.replaceChildren.apply(recent, s.recent.slice().reverse().map(function (name) {
          var li = document.createElement("li"); li.textContent = name; return li;
        }));
        if (s.code) {
          if (code.dataset.code !== s.code) {
            code.dataset.code = s.code;
            code.textContent = s.code.slice(0, 3) + " " + s.code.slice(3);
            expiry.textContent = "New code in " + s.expires_in_s + " s";
            qr.src = s.qr_url;
            qr.hidden = false;
          }
          secondsLeft = s.expires_in_s;
        } else {
          code.dataset.code = "";
          code.textContent = "– – –";
          qr.hidden = true;
          expiry.textContent = s.status_label + ".";
          secondsLeft = 0;
        }
        window.setTimeout(poll, s.code ? Math.min(2000, Math.max(250, secondsLeft * 1000)) : 3000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setInterval(function () {
    if (!code.dataset.code) return;
    secondsLeft = Math.max(0, secondsLeft - 1);
    expiry.textContent = "New code in " + secondsLeft + " s";
  }, 1000);
  poll();

  document.querySelectorAll("video.room-video").forEach(function (video) {
    var url = video.dataset.hls;
    if (url && window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ enableWorker: false });
      hls.loadSource(url);
      hls.attachMedia(video);
      hls.on(window.Hls.Events.ERROR, function (_, data) {
        if (data.fatal) { hls.destroy(); video.src = video.querySelector("source").src; }
      });
    } else if (url && video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
    }
  });
  document.querySelectorAll("[data-show]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll(".present-video").forEach(function (fig) {
        fig.hidden = fig.id !== button.dataset.show;
        if (fig.hidden) fig.querySelector("video").pause();
      });
    });
  });
  document.getElementById("fullscreen").addEventListener("click", function () {
    if (document.fullscreenElement) { document.exitFullscreen(); } else { root.requestFullscreen(); }
  });
})();
