/* Silk Routes Remit widget: tells the embedding page its height (nothing else). */
(function () {
  if (window.parent === window) return;
  var r = document.documentElement, b = document.body.dataset, a = location.ancestorOrigins, last = 0, to = "*";
  if (a && a.length) to = a[0];
  else if (b.parent) to = b.parent;
  else if (document.referrer) try { to = new URL(document.referrer).origin; } catch (e) {}
  function send() {
    var h = Math.ceil(r.getBoundingClientRect().height);
    if (h === last) return;
    last = h;
    window.parent.postMessage({ type: b.message, height: h }, to);
  }
  if (window.ResizeObserver) new ResizeObserver(send).observe(r);
  addEventListener("load", send);
  send();
})();
