/* Silk Routes Remit widget loader: adds the comparison iframe after this script tag, at the
   height its content reports (its messages only). A link stands in until then; if no
   height comes (site not listed), the link stays and the frame goes. */
(function () {
  var s = document.currentScript;
  if (!s || !s.src) return;
  var d = s.dataset, t = __TITLES__, q = new URLSearchParams(), c = new URLSearchParams(),
    k = ["org", "from", "to", "amount", "lang", "theme"], on = false, i;
  for (i = 0; i < k.length; i++) if (d[k[i]]) q.set(k[i], d[k[i]]);
  for (i = 1; i < 5; i++) if (d[k[i]]) c.set(k[i], d[k[i]]);
  var u = new URL("/widget?" + q, s.src), f = document.createElement("iframe"),
    a = document.createElement("a"), p = s.parentNode;
  a.href = new URL((d.from && d.to ? "/compare?" : "/?") + c, s.src).href;
  a.textContent = f.title = d.title || t[d.lang] || t.en;
  a.className = "silkroutes-remit-link";
  a.target = "_blank";
  a.rel = "noopener";
  a.dir = "auto";
  if (d.lang) a.lang = d.lang;
  f.src = u.href;
  f.width = d.width || "100%";
  f.height = "0";
  f.style.cssText = "border:0;max-width:100%;visibility:hidden";
  p.insertBefore(a, s.nextSibling);
  p.insertBefore(f, a.nextSibling);
  addEventListener("message", function (e) {
    var m = e.data;
    if (e.origin !== u.origin || e.source !== f.contentWindow || !m || m.type !== __TYPE__) return;
    var h = m.height;
    if (typeof h !== "number" || h < 40 || h > 5000) return;
    f.height = String(Math.ceil(h));
    if (!on) { on = true; f.style.visibility = ""; p.removeChild(a); }
  });
  setTimeout(function () { if (!on) p.removeChild(f); }, __WAIT__);
})();
