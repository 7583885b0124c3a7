// FlowVerify's service worker: after one visit the page loads and works with no network.
// public/sw-manifest.mjs (a trunk post_build hook) stamps BUILD and ASSETS for each build.
// Network first for the page and its unhashed files (so a new build shows up), cache first for
// the hashed files (their content never changes). The page registers it in release builds only.
const BUILD = '__FLOWVERIFY_BUILD__';
const ASSETS = __FLOWVERIFY_ASSETS__;
const CACHE = `flowverify-${BUILD}`;
const HASHED = /-[0-9a-f]{16}(_bg)?\.(wasm|js|css)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(['./', ...ASSETS])).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('flowverify-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request, fallbackKey) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && request.method === 'GET') {
      await cache.put(fallbackKey ?? request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = (await cache.match(fallbackKey ?? request, { ignoreSearch: true })) ?? (await caches.match(request, { ignoreSearch: true }));
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, new URL('./', self.registration.scope).href));
  } else if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});
