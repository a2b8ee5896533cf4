// The SCORM 1.2 runtime API (window.API) that a package in the frame below finds in its parent window.
// Reads are answered from the values the server gave at launch; what the content sets is sent to the server on
// LMSCommit and LMSFinish, which checks it again, keeps it and completes the item when the lesson is done.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("scorm-data").textContent);
  var frame = document.getElementById("scorm-frame");
  var status = document.getElementById("scorm-status");
  var token = document.querySelector("meta[name=csrf-token]").content;
  var values = data.values, dirty = {}, state = "new", lastError = "0", queue = Promise.resolve();
  var courseDone = false, finishPending = false; // an LMSFinish the server has not taken yet

  var ERRORS = {
    "0": "No error", "101": "General exception", "201": "Invalid argument error",
    "202": "Element cannot have children", "203": "Element not an array. Cannot have count",
    "301": "Not initialized", "401": "Not implemented error", "402": "Invalid set value, element is a keyword",
    "403": "Element is read only", "404": "Element is write only", "405": "Incorrect data type"
  };
  var WRITE_ONLY = { "cmi.core.exit": true, "cmi.core.session_time": true };
  var STATUSES = ["passed", "completed", "failed", "incomplete", "browsed"];
  var CHECKS = {
    "cmi.core.lesson_location": function (v) { return v.length <= 255; },
    "cmi.core.lesson_status": function (v) { return STATUSES.indexOf(v) >= 0; },
    "cmi.core.score.raw": isScore, "cmi.core.score.min": isScore, "cmi.core.score.max": isScore,
    "cmi.core.exit": function (v) { return ["time-out", "suspend", "logout", ""].indexOf(v) >= 0; },
    "cmi.core.session_time": function (v) { return /^\d{2,4}:[0-5]\d:[0-5]\d(\.\d{1,2})?$/.test(v); },
    "cmi.suspend_data": function (v) { return v.length <= 4096; }
  };
  function isScore(v) { return v === "" || (/^-?\d{1,5}(\.\d+)?$/.test(v) && Math.abs(parseFloat(v)) <= 99999); }
  function unsupported(name) { return /^cmi\.(objectives|interactions|student_preference)(\.|$)/.test(name); }

  function fail(code, answer) { lastError = code; return answer; }
  function ok(answer) { lastError = "0"; return answer; }

  // Takes what is waiting when the request goes out (not when it was asked for), so a later commit is never
  // overtaken by an older one that failed and was put back.
  function take() {
    var body = JSON.stringify({ values: dirty, finish: finishPending });
    var taken = { changes: dirty, finish: finishPending, body: body };
    dirty = {};
    finishPending = false;
    return taken;
  }

  function post(body) {
    return fetch(data.commitUrl, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token }, body: body
    });
  }

  function send(finish) {
    if (finish) finishPending = true;
    queue = queue.then(function () {
      if (!Object.keys(dirty).length && !finishPending) return;
      var taken = take();
      return post(taken.body).then(function (r) {
        return r.json().then(function (answer) {
          if (!r.ok) {
            var refused = new Error(answer.error ? answer.error.message : "The server refused the update.");
            refused.final = r.status >= 400 && r.status < 500; // the same values would be refused again
            throw refused;
          }
          show(answer);
        });
      }).catch(function (error) {
        if (!error.final) { // kept, and sent with the next commit, the next finish, or when the page closes
          for (var name in taken.changes) { if (!(name in dirty)) dirty[name] = taken.changes[name]; }
          finishPending = finishPending || taken.finish;
        }
        status.textContent = "Your progress could not be saved (" + error.message + ")" +
          (error.final ? "." : "; it is kept and sent again.");
      });
    });
  }

  function show(answer) {
    courseDone = courseDone || answer.course_completed; // a later commit (LMSFinish) must not hide it
    if (courseDone) status.textContent = "Done: " + answer.lesson_status + ". The course is complete.";
    else if (answer.lesson_status === "passed" || answer.lesson_status === "completed") status.textContent = "Done: " + answer.lesson_status + ".";
    else if (answer.lesson_status === "failed") status.textContent = "Not passed yet: you can try again.";
    else status.textContent = "Progress saved.";
    var bar = document.querySelector(".progress-row .progress"), p = answer.progress;
    if (bar && p) { // the course progress above the frame, as the server counts it
      bar.setAttribute("aria-valuenow", p.done);
      bar.firstElementChild.className = "w-" + (p.total ? Math.round(p.done / p.total * 10) * 10 : 100);
      bar.nextElementSibling.textContent = p.done + " of " + p.total + " done";
    }
  }

  window.API = {
    LMSInitialize: function (arg) {
      if (arg !== "") return fail("201", "false");
      if (state === "running") return fail("101", "false");
      state = "running";
      return ok("true");
    },
    LMSFinish: function (arg) {
      if (arg !== "") return fail("201", "false");
      if (state !== "running") return fail("301", "false");
      send(true);
      state = "finished";
      return ok("true");
    },
    LMSGetValue: function (name) {
      if (state !== "running") return fail("301", "");
      name = String(name);
      if (WRITE_ONLY[name]) return fail("404", "");
      if (Object.prototype.hasOwnProperty.call(values, name)) return ok(values[name]);
      if (unsupported(name)) return fail("401", "");
      if (/\._children$/.test(name)) return fail("202", "");
      if (/\._count$/.test(name)) return fail("203", "");
      return fail("201", "");
    },
    LMSSetValue: function (name, value) {
      if (state !== "running") return fail("301", "false");
      name = String(name);
      value = String(value);
      if (/\._(children|count)$/.test(name)) return fail("402", "false");
      if (unsupported(name)) return fail("401", "false");
      if (!CHECKS[name]) return fail(Object.prototype.hasOwnProperty.call(values, name) ? "403" : "201", "false");
      if (!CHECKS[name](value)) return fail("405", "false");
      if (!WRITE_ONLY[name]) values[name] = value;
      dirty[name] = value;
      return ok("true");
    },
    LMSCommit: function (arg) {
      if (arg !== "") return fail("201", "false");
      if (state !== "running") return fail("301", "false");
      send(false);
      return ok("true");
    },
    LMSGetLastError: function () { return lastError; },
    LMSGetErrorString: function (code) { return ERRORS[String(code)] || ""; },
    LMSGetDiagnostic: function (code) { return ERRORS[String(code || lastError)] || ""; }
  };

  // Content closed without LMSFinish (the tab, a link away), or whose last commit failed, still has what it set
  // kept: sent at once with keepalive, since a request waiting in the queue may never start on a closing page.
  window.addEventListener("pagehide", function () {
    if (Object.keys(dirty).length || finishPending) post(take().body);
  });
  frame.src = frame.dataset.src; // only now: the content looks for window.API as it loads
})();
