// Live updates: listen to the server's events and swap in the part of the page that changed.
// The page works without this script (every view is a plain link); it only keeps it current.
(function () {
  "use strict";
  var body = document.body;
  var src = body.dataset.events;
  if (!src || !window.EventSource) { return; }
  var status = document.getElementById("live-status");
  var es = new EventSource(src);
  var busy = false, again = false;
  es.onopen = function () { status.textContent = "live"; status.className = "status on"; };
  es.onerror = function () { status.textContent = "reconnecting"; status.className = "status"; };

  function refresh(ev) {
    var live = document.getElementById("live");
    if (body.dataset.reload) { location.reload(); return; }
    if (!live) { // the studies page: reload the table
      fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.getElementById("studies").replaceWith(doc.getElementById("studies"));
        body.dataset.updated = ev.version + " " + Date.now();
      });
      return;
    }
    if (busy) { again = true; return; }
    busy = true;
    fetch(body.dataset.live + location.search, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      live.innerHTML = html;
      (ev.changed || []).forEach(function (n) {
        var tr = live.querySelector('#trials tr[data-n="' + n + '"]');
        if (tr) { tr.classList.add("new"); }
      });
      body.dataset.updated = ev.version + " " + Date.now();
    }).finally(function () {
      busy = false;
      if (again) { again = false; refresh(ev); }
    });
  }
  es.addEventListener("update", function (e) { refresh(JSON.parse(e.data)); });
})();
