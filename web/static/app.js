/* Optional enhancements; every page works without this file.
   - Remembers the last comparisons on this device (localStorage, no cookies).
   - Shows the send currency next to the amount. */
(function () {
  "use strict";
  var d = document, store = null, KEY = "remit.recent", MAX = 5;
  try { store = window.localStorage; store.getItem(KEY); } catch (e) { store = null; }

  function read() {
    try { var v = JSON.parse(store.getItem(KEY) || "[]"); return Array.isArray(v) ? v : []; }
    catch (e) { return []; }
  }
  var ok = /^[A-Z]{2}-[A-Z]{2}$/, num = /^[0-9]+(\.[0-9]+)?$/;

  var main = d.getElementById("main");
  var corridor = main && main.getAttribute("data-corridor");
  if (store && corridor && ok.test(corridor)) {
    var amount = main.getAttribute("data-amount") || "";
    var list = read().filter(function (r) { return r && r.c !== corridor; });
    list.unshift({ c: corridor, a: num.test(amount) ? amount : "" });
    try { store.setItem(KEY, JSON.stringify(list.slice(0, MAX))); } catch (e) { /* full or blocked */ }
  }

  var recent = d.getElementById("recent"), from = d.getElementById("f-from");
  if (store && recent && from) {
    var ul = recent.querySelector("ul"), lang = d.querySelector("input[name=lang]");
    var names = {};
    Array.prototype.forEach.call(d.querySelectorAll("#f-from option, #f-to option"), function (o) {
      names[o.value] = o.textContent;
    });
    read().forEach(function (r) {
      if (!r || !ok.test(r.c)) return;
      var p = r.c.split("-"), q = new URLSearchParams({ from: p[0], to: p[1] });
      if (r.a && num.test(r.a)) q.set("amount", r.a);
      if (lang) q.set("lang", lang.value);
      var li = d.createElement("li"), a = d.createElement("a");
      a.className = "go";
      a.href = "/compare?" + q;
      var arrow = d.documentElement.dir === "rtl" ? " ← " : " → ";
      a.textContent = (names[p[0]] || p[0]) + arrow + (names[p[1]] || p[1]) + (r.a ? " · " + r.a : "");
      li.appendChild(a);
      ul.appendChild(li);
    });
    if (ul.children.length) recent.hidden = false;
  }

  var ccy = d.getElementById("send-ccy");
  var show = function () {
    var c = from.options[from.selectedIndex].getAttribute("data-currency");
    ccy.textContent = c ? " (" + c + ")" : "";
  };
  if (ccy && from) { show(); from.addEventListener("change", show); }
})();
