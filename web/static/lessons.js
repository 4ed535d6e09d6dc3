/* Optional: progress in localStorage (no cookies), copy-link, saving lessons for offline. */
(function () {
"use strict";
var d = document, s, K = "remit.lessons", ok = /^[0-9]{1,2}$/, m = d.getElementById("main"), n = navigator,
w = n.serviceWorker, v = d.getElementById("save-all"), b = d.querySelector(".copy-link"),
$ = function (a, e) { return (e || d).querySelectorAll(a); },
g = function (a) { return v.getAttribute("data-" + a); };
if (w && isSecureContext) {
w.register("/sw.js").catch(function () { if (v) v.hidden = true; });
if (v) v.hidden = false, $("button", v)[0].onclick = function () {
var c = new MessageChannel(), p = $("progress", v)[0], t = $("output", v)[0], u = g("urls").split(" "), o = this;
o.disabled = true; p.max = u.length; p.value = 0; p.hidden = false; t.value = g("busy");
c.port1.onmessage = function (e) {
p.value = e.data;
if (e.data < 1) o.disabled = !(p.hidden = true), t.value = g(e.data ? "fail" : "ok");
};
w.ready.then(function (r) { r.active.postMessage(u, [c.port2]); });
};
[].forEach.call($("[data-saved-only] a"), function (a) {
caches.match(a.href).then(function (r) { if (!r) a.parentNode.remove(); });
});
}
if (b && n.clipboard) b.hidden = false, b.onclick = function () {
n.clipboard.writeText(b.getAttribute("data-copy")).then(function () { b.textContent = b.getAttribute("data-done"); });
};
try { s = localStorage; s.getItem(K); } catch (e) { return; }
if (!m) return;
var have = (s.getItem(K) || "").split(".").concat((m.getAttribute("data-done") || "").split("."))
.filter(function (x, i, a) { return ok.test(x) && a.indexOf(x) == i; });
try { s.setItem(K, have.join(".")); } catch (e) {}
[].forEach.call($("[data-lesson]"), function (li) {
var p = $(".sub", li)[0], t;
if (p && have.indexOf(li.getAttribute("data-lesson")) >= 0 && !$(".done", li).length) {
t = d.createElement("strong");
t.className = "done";
t.textContent = " · ✓ " + m.getAttribute("data-done-label");
p.appendChild(t);
}
});
})();
