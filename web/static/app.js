/* Optional enhancements; every page works without this file.
   - Remembers the last comparisons on this device (localStorage, no cookies).
   - Shows the send currency next to the amount. */
(function () {
  "use strict";
  var d = document, I = function (x) { return d.getElementById(x); }, s, K = "remit.recent", ok = /^[A-Z]{2}-[A-Z]{2}$/, num = /^[0-9]+(\.[0-9]+)?$/,
    m = I("main"), c = m && m.getAttribute("data-corridor"), a, l = [],
    r = I("recent"), f = I("f-from"), y = I("send-ccy");
  try { s = localStorage; s.getItem(K); } catch (e) { s = null; }
  try { l = JSON.parse(s.getItem(K)) || []; } catch (e) {}
  l = Array.isArray(l) ? l.filter(function (x) { return x && ok.test(x.c); }) : [];

  if (s && c && ok.test(c)) {
    a = m.getAttribute("data-amount") || "";
    l = [{ c: c, a: num.test(a) ? a : "" }].concat(l.filter(function (x) { return x.c !== c; })).slice(0, 5);
    try { s.setItem(K, JSON.stringify(l)); } catch (e) {}
  }

  if (s && r && f) {
    var u = r.querySelector("ul"), g = d.querySelector("input[name=lang]"), t = {},
      w = d.documentElement.dir === "rtl" ? " ← " : " → ";
    [].forEach.call(d.querySelectorAll("#f-from option, #f-to option"), function (o) { t[o.value] = o.textContent; });
    l.forEach(function (x) {
      var p = x.c.split("-"), q = new URLSearchParams({ from: p[0], to: p[1] }), n = num.test(x.a),
        i = d.createElement("li"), e = d.createElement("a");
      if (n) q.set("amount", x.a);
      if (g) q.set("lang", g.value);
      e.className = "go";
      e.href = "/compare?" + q;
      e.textContent = (t[p[0]] || p[0]) + w + (t[p[1]] || p[1]) + (n ? " · " + x.a : "");
      i.appendChild(e);
      u.appendChild(i);
    });
    if (l.length) r.hidden = false;
  }

  if (y && f) {
    var h = function () {
      var o = f.options[f.selectedIndex].getAttribute("data-currency");
      y.textContent = o ? " (" + o + ")" : "";
    };
    h();
    f.addEventListener("change", h);
  }
})();
