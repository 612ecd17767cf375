// innoreport's page works without this script. With it: drag and drop
// onto the upload box, and a progress bar while the file uploads.
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
