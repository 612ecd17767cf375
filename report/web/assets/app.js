// innoreport's page works without this script. With it: drag and drop
// onto the upload box, a progress bar while the file uploads, and the
// 报送情况 redrawn as returns arrive (without it, that page reloads itself).
(function () {
  "use strict";
  var form = document.getElementById("upload");
  if (!form) { return; }
  var drop = document.getElementById("drop");
  var input = form.querySelector("input[type=file]");
  var bar = document.getElementById("bar");
  ["dragenter", "dragover"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length > 0) {
      input.files = e.dataTransfer.files;
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function (e) {
    if (!window.XMLHttpRequest || !window.FormData || !input.files.length) { return; }
    e.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (p) {
      if (p.lengthComputable) { bar.value = Math.round(100 * p.loaded / p.total); }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 200 && xhr.responseURL) { window.location = xhr.responseURL; return; }
      document.open(); document.write(xhr.responseText); document.close();
    });
    xhr.addEventListener("error", function () { form.submit(); });
    xhr.send(new FormData(form));
  });
})();

// The 报送情况: ask the server every few seconds and redraw the rows in
// place (text only: nothing the server sends is read as HTML).
(function () {
  "use strict";
  var table = document.querySelector("table.returns[data-live]");
  if (!table || !window.fetch) { return; }
  function set(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text; }
  }
  function draw(d) {
    set("reported", d.reported);
    set("missing", d.missing);
    set("remind-n", d.missing);
    var form = document.getElementById("remind-form");
    if (form) { form.hidden = d.missing === 0; }
    var rows = table.tBodies[0].rows;
    d.rows.forEach(function (x) {
      for (var i = 0; i < rows.length; i++) {
        var tr = rows[i];
        if (tr.getAttribute("data-unit") !== x.unit) { continue; }
        tr.className = "state-" + x.state;
        var badge = tr.cells[1].firstElementChild;
        badge.className = "badge state-" + x.state;
        badge.textContent = x.label;
        tr.cells[2].textContent = x.file;
        tr.cells[3].textContent = x.received;
        tr.cells[4].textContent = x.rows_updated;
        tr.cells[5].textContent = x.findings;
      }
    });
  }
  function tick() {
    fetch(table.getAttribute("data-live"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { draw(d); } })
      .catch(function () { /* the next tick tries again */ });
  }
  window.setInterval(tick, 5000);
})();
