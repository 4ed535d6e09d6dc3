/* Silk Routes Remit widget loader: inserts the comparison iframe after this script tag. */
(function () {
  var s = document.currentScript;
  if (!s || !s.src) return;
  var d = s.dataset, t = __TITLES__, q = new URLSearchParams(), k = ["from", "to", "amount", "lang"];
  for (var i = 0; i < k.length; i++) if (d[k[i]]) q.set(k[i], d[k[i]]);
  var f = document.createElement("iframe");
  f.src = new URL("/widget?" + q, s.src).href;
  f.title = d.title || t[d.lang] || t.en;
  f.loading = "lazy";
  f.width = d.width || "100%";
  f.height = d.height || "560";
  f.style.border = "0";
  f.style.maxWidth = "100%";
  s.parentNode.insertBefore(f, s.nextSibling);
})();
