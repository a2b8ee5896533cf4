// Reports what was really watched: played ranges since the last report, and the position to resume at.
// The server checks every report against the video and the clock; this script only keeps honest users
// from losing progress (reports every 5 s, on pause and at the end) and stops seeking past what was seen.
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video) return;
  var status = document.getElementById("watch-status");
  var token = document.querySelector("meta[name=csrf-token]").content;
  var allowSkip = video.dataset.skip === "true";
  var furthest = parseFloat(video.dataset.furthest) || 0;
  var pending = [];  // [start, end] ranges played since the last report
  var segmentStart = null;
  var lastTime = 0;

  // Adaptive streaming (360p/720p) through hls.js where the browser has Media Source Extensions;
  // Safari plays HLS natively; anything else keeps the MP4 <source>.
  var hlsUrl = video.dataset.hls;
  if (hlsUrl && window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls({ enableWorker: false });  // no blob: worker under our Content-Security-Policy
    hls.loadSource(hlsUrl);
    hls.attachMedia(video);
    hls.on(window.Hls.Events.ERROR, function (_, data) {
      if (data.fatal) { hls.destroy(); video.src = video.querySelector("source").src; }  // fall back to MP4
    });
  } else if (hlsUrl && video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = hlsUrl;
  }

  video.addEventListener("loadedmetadata", function () {
    var resume = parseFloat(video.dataset.position) || 0;
    if (resume > 0 && resume < video.duration - 1) video.currentTime = resume;
    lastTime = video.currentTime;
  });
  video.addEventListener("playing", function () { segmentStart = video.currentTime; lastTime = video.currentTime; });
  video.addEventListener("timeupdate", function () {
    var now = video.currentTime;
    if (segmentStart !== null && now >= lastTime && now - lastTime < 2) {
      lastTime = now;
      furthest = Math.max(furthest, now);
    } else {
      closeSegment();
      if (!video.paused) segmentStart = now;
      lastTime = now;
    }
  });
  video.addEventListener("seeking", function () {
    if (!allowSkip && video.currentTime > furthest + 1) {
      video.currentTime = furthest;  // no skipping past what has been watched on the first viewing
      if (status) status.textContent = "Skipping ahead is not possible on the first viewing.";
    }
    closeSegment();
  });
  video.addEventListener("pause", function () { closeSegment(); report(); });
  video.addEventListener("ended", function () { closeSegment(); report(); });
  window.setInterval(function () { if (!video.paused) { closeSegment(); segmentStart = video.currentTime; report(); } }, 5000);
  window.addEventListener("pagehide", function () { closeSegment(); report(true); });

  function closeSegment() {
    if (segmentStart !== null && lastTime > segmentStart + 0.2) pending.push([round(segmentStart), round(lastTime)]);
    segmentStart = null;
  }
  function round(x) { return Math.round(x * 10) / 10; }
  function merge(ranges) {
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var out = [];
    ranges.forEach(function (r) {
      var last = out[out.length - 1];
      if (last && r[0] <= last[1]) { last[1] = Math.max(last[1], r[1]); } else { out.push([r[0], r[1]]); }
    });
    return out;
  }
  function report(leaving) {
    if (!pending.length) return;
    var body = JSON.stringify({ watched: merge(pending), position_s: round(video.currentTime) });
    pending = [];
    fetch(video.dataset.progressUrl, {
      method: "POST", credentials: "same-origin", keepalive: !!leaving,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token }, body: body
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (!status) return;
      if (answer.error) { status.textContent = answer.error.message; }
      else if (answer.completed) { status.textContent = answer.completed_course ? "Watched. The course is complete." : "Watched."; }
    }).catch(function () { /* the next report carries on; the server merges ranges */ });
  }
})();
