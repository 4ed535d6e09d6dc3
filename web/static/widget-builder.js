/* Widget builder: refresh the preview when a choice changes, size the preview to its
   content (the same height messages the loader accepts), copy buttons. Optional. */
(function () {
  var f = document.getElementById("builder"), p = document.getElementById("b-preview");
  if (!f) return;
  f.addEventListener("change", function () { if (f.reportValidity()) f.submit(); });
  if (p) addEventListener("message", function (e) {
    var m = e.data;
    if (e.origin !== location.origin || e.source !== p.contentWindow || !m ||
        m.type !== p.getAttribute("data-message") || typeof m.height !== "number") return;
    if (m.height >= 40 && m.height <= 5000) p.height = String(Math.ceil(m.height));
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    var area = document.getElementById(b.getAttribute("data-copy"));
    if (!area || !navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () { navigator.clipboard.writeText(area.value); });
  });
})();
