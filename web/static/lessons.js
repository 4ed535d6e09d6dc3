/* Optional: progress in localStorage (no cookies), copy-link, offline service worker. */
(function () {
"use strict";
var d = document, s, K = "remit.lessons", ok = /^[0-9]{1,2}$/, m = d.getElementById("main"),
b = d.querySelector(".copy-link"), n = navigator;
if ("serviceWorker" in n && window.isSecureContext) n.serviceWorker.register("/sw.js").catch(function () {});
if (b && n.clipboard) {
b.hidden = false;
b.onclick = function () {
n.clipboard.writeText(b.getAttribute("data-copy")).then(function () { b.textContent = b.getAttribute("data-done"); });
};
}
try { s = window.localStorage; s.getItem(K); } catch (e) { return; }
if (!m) return;
var have = (s.getItem(K) || "").split(".").filter(function (x) { return ok.test(x); });
(m.getAttribute("data-done") || "").split(".").forEach(function (x) {
if (ok.test(x) && have.indexOf(x) < 0) have.push(x);
});
try { s.setItem(K, have.join(".")); } catch (e) { /* full */ }
[].forEach.call(d.querySelectorAll("[data-lesson]"), function (li) {
var p = li.querySelector(".sub"), t;
if (p && have.indexOf(li.getAttribute("data-lesson")) >= 0 && !li.querySelector(".done")) {
t = d.createElement("strong");
t.className = "done";
t.textContent = " · ✓ " + m.getAttribute("data-done-label");
p.appendChild(t);
}
});
})();
