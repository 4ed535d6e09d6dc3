/* Widget builder: refresh the preview when a choice changes; copy buttons. Optional. */
(function () {
  var f = document.getElementById("builder");
  if (!f) return;
  f.addEventListener("change", function () { if (f.reportValidity()) f.submit(); });
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    var area = document.getElementById(b.getAttribute("data-copy"));
    if (!area || !navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () { navigator.clipboard.writeText(area.value); });
  });
})();
