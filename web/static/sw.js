/* Optional offline copies: pages keyed by their full address (path and query, less the
done marks), the assets they use, and an offline page per language for the rest. */
const C="remit-offline-2",U=u=>new URL(u,location),
K=u=>{u=U(u);u.searchParams.delete("done");u.searchParams.sort();return u.href},
O=u=>(u=U(u).searchParams.get("lang"))?"/offline?lang="+u:"/offline",
ok=u=>(u=U(u)).origin==location.origin&&/^\/(learn(\/[\w-]+)?|compare|offline|static\/.+)$/.test(u.pathname),
get=(u,n)=>fetch(u,{cache:n?"no-cache":void 0}).then(r=>{if(!r.ok)throw r;return r}),
put=(u,r)=>caches.open(C).then(c=>c.put(K(u),r)),
keep=u=>caches.match(K(u)).then(m=>m||get(u).then(r=>put(u,r))),
show=m=>m.text().then(h=>new Response(h.replace('offline-note" hidden','offline-note" role="status"').replace("<time data-saved>",
"<time>"+new Date(m.headers.get("date")).toLocaleString((/<html lang="([^"]+)"/.exec(h)||[])[1])),m));
addEventListener("install",e=>{skipWaiting();e.waitUntil(clients.matchAll({includeUncontrolled:true})
.then(a=>Promise.all(a.filter(c=>ok(c.url)).map(c=>get(c.url,1).then(r=>put(c.url,r)).then(()=>keep(O(c.url)),()=>0)))))});
addEventListener("activate",e=>e.waitUntil(caches.delete("remit-offline-1").then(()=>clients.claim())));
addEventListener("message",e=>{let n=0,p=e.ports[0];e.waitUntil(Promise.all(e.data.map(u=>get(u).then(r=>put(u,r))
.then(()=>p.postMessage(++n)))).then(()=>p.postMessage(0),()=>p.postMessage(-1)))});
addEventListener("fetch",e=>{const r=e.request,u=r.url,n=r.mode=="navigate";if(r.method!="GET"||!ok(u))return;
e.respondWith(get(u,n).then(s=>{e.waitUntil(put(u,s.clone()).then(()=>n&&keep(O(u))));return s},
s=>s instanceof Response?s:caches.match(K(u)).then(m=>m||n&&caches.match(K(O(u)))).then(m=>m?show(m):Response.error())))});
