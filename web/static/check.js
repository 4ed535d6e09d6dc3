/* Optional, receipt checker: offer only the currencies the chosen destination pays out. */
(function () {
  "use strict";
  var d = document, to = d.getElementById("f-to"), recv = d.getElementById("f-receive");
  if (!to || !recv || !recv.hasAttribute("data-names")) return;
  var names = {};
  recv.getAttribute("data-names").split(";").forEach(function (p) {
    var kv = p.split("="); if (kv[0]) names[kv[0]] = kv[1];
  });
  to.addEventListener("change", function () {
    var o = to.options[to.selectedIndex], pays = ((o && o.getAttribute("data-pays")) || "").split(" ");
    while (recv.options.length > 1) recv.remove(1);
    pays.forEach(function (c) { if (c && names[c]) recv.add(new Option(names[c], c)); });
  });
})();
