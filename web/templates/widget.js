/* Silk Routes Remit widget loader: inserts the comparison iframe after this script tag and
   keeps its height equal to the widget's content (messages from that iframe only). */
(function () {
  var s = document.currentScript;
  if (!s || !s.src) return;
  var d = s.dataset, t = __TITLES__, H = __HEIGHTS__, q = new URLSearchParams(),
    k = ["org", "from", "to", "amount", "lang", "theme"];
  for (var i = 0; i < k.length; i++) if (d[k[i]]) q.set(k[i], d[k[i]]);
  var u = new URL("/widget?" + q, s.src), f = document.createElement("iframe");
  f.src = u.href;
  f.title = d.title || t[d.lang] || t.en;
  f.width = d.width || "100%";
  f.height = d.height || H[d.lang] || H.en;
  f.style.border = "0";
  f.style.maxWidth = "100%";
  s.parentNode.insertBefore(f, s.nextSibling);
  addEventListener("message", function (e) {
    var m = e.data;
    if (e.origin !== u.origin || e.source !== f.contentWindow || !m || m.type !== __TYPE__) return;
    var h = m.height;
    if (typeof h === "number" && h >= 40 && h <= 5000) f.height = String(Math.ceil(h));
  });
})();
