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
