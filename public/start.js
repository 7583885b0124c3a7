// Starts the FlowVerify page. It replaces trunk's inline loader, which the page's
// Content-Security-Policy (script-src 'self') would refuse: the hashed names of this build's
// JavaScript glue and WebAssembly come from the attributes of the <script> tag that loads us.
const tag = document.querySelector('script[data-flowverify-js]');
const boot = document.getElementById('boot');
try {
  const glue = await import(tag.dataset.flowverifyJs);
  await glue.default({ module_or_path: tag.dataset.flowverifyWasm });
} catch (error) {
  if (boot) {
    boot.textContent = `FlowVerify could not start: ${error}`;
    boot.classList.add('boot-failed');
  }
  throw error;
}

// The analysis module loads when first needed (see src/ui/analysis.rs).
let analysis;
const load = () => (analysis ??= new Promise((resolve, reject) => {
  const script = document.createElement('script');
  script.src = './analysis-worker.js';
  script.onload = () => wasm_bindgen({ module_or_path: './analysis-worker_bg.wasm' }).then(resolve, reject);
  script.onerror = () => reject(new Error('the analysis module could not be loaded'));
  document.head.append(script);
}));
const api = window.flowverify;
for (const name of ['reach', 'search', 'lint', 'diff', 'replay']) {
  const stub = (...args) => load().then(() => {
    if (api[name] === stub) throw new Error('the analysis module did not start');
    return api[name](...args);
  });
  api[name] = stub;
}
document.addEventListener('toggle', (e) => e.target.open && e.target.hasAttribute('data-lazy') && load(), true);
