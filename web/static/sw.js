/* Optional: opened lessons and the last comparison, for offline use. */
const C="remit-offline-1",H="text/html; charset=utf-8",P=u=>new URL(u).pathname,
ok=u=>new URL(u).origin==location.origin&&/^\/(learn(\/[a-z0-9-]+)?|compare)$/.test(P(u)),
cmp=c=>c.keys().then(k=>k.filter(x=>P(x.url)=="/compare")),
put=(u,r)=>r.text().then(b=>caches.open(C).then(c=>Promise.resolve(P(u)=="/compare"&&cmp(c).then(k=>Promise.all(k.map(x=>c.delete(x)))))
.then(()=>c.put(u,new Response(b,{headers:{"Content-Type":H,"x-saved":new Date().toISOString()}}))))),
show=m=>m.text().then(h=>new Response(h.replace('<p class="banner offline-note" hidden>','<p class="banner offline-note" role="status">')
.replace("<time data-saved></time>","<time>"+new Date(m.headers.get("x-saved")).toLocaleString((/<html lang="([^"]+)"/.exec(h)||[])[1])+"</time>"),{headers:{"Content-Type":H}}));
addEventListener("install",e=>{skipWaiting();e.waitUntil(clients.matchAll({includeUncontrolled:true})
.then(a=>Promise.all(a.filter(c=>ok(c.url)).map(c=>fetch(c.url).then(r=>r.ok&&put(c.url,r))))))});
addEventListener("activate",e=>e.waitUntil(clients.claim()));
addEventListener("fetch",e=>{const r=e.request,u=r.url;if(r.method!="GET"||r.mode!="navigate"||!ok(u))return;
e.respondWith(fetch(u,{cache:"no-cache"}).then(s=>{if(s.ok)e.waitUntil(put(u,s.clone()));return s},()=>caches.open(C)
.then(c=>c.match(u).then(m=>m||P(u)=="/compare"&&cmp(c).then(k=>k.length&&c.match(k[0]))))
.then(m=>m?show(m):Response.error())))});
