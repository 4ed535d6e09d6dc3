/* Optional enhancements; every page works without this file.
   - Remembers the last comparisons on this device (localStorage, no cookies).
   - Shows the send currency next to the amount, and keeps it right when the country changes.
   - On the receipt checker, offers only the currencies the chosen destination pays out. */
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

  // Receipt checker: offer only the currencies the chosen destination pays out.
  var to = d.getElementById("f-to"), recv = d.getElementById("f-receive");
  if (to && recv && recv.hasAttribute("data-names")) {
    var names2 = {};
    recv.getAttribute("data-names").split(";").forEach(function (p) {
      var kv = p.split("="); if (kv[0]) names2[kv[0]] = kv[1];
    });
    to.addEventListener("change", function () {
      var o = to.options[to.selectedIndex], pays = ((o && o.getAttribute("data-pays")) || "").split(" ");
      while (recv.options.length > 1) recv.remove(1);
      pays.forEach(function (c) { if (c && names2[c]) recv.add(new Option(names2[c], c)); });
    });
  }

  var ccy = d.getElementById("send-ccy");
  if (ccy && from) {
    var show = function () {
      var o = from.options[from.selectedIndex], c = o && o.getAttribute("data-currency");
      ccy.textContent = c ? " (" + c + ")" : "";
    };
    show();
    from.addEventListener("change", show);
  }
})();
