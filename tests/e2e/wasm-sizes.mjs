// What is big in a WebAssembly module (a development tool, like twiggy's `top`): the size of
// each function body, named from the module's `name` section, grouped by crate, and the data
// segments. Build without wasm-opt to keep the names, e.g.
//   cargo build --release --target wasm32-unknown-unknown --bin flowverify-web
//   node tests/e2e/wasm-sizes.mjs target/wasm32-unknown-unknown/release/flowverify-web.wasm [--top 60] [--grep TEXT]
// Sizes are raw bytes (gzip shrinks code to roughly 40 %); compare two builds to see a change.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node wasm-sizes.mjs FILE.wasm [--top N] [--grep TEXT]');
  process.exit(2);
}
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const TOP = Number(option('top', '40'));
const GREP = option('grep', null);
const bytes = readFileSync(file);
let at = 8;
const u32 = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return result;
  }
};
const name = () => {
  const n = u32();
  const s = bytes.subarray(at, at + n).toString('utf8');
  at += n;
  return s;
};

let imported = 0;
const bodies = [];
const names = new Map();
const sections = [];
let data = 0;
while (at < bytes.length) {
  const id = bytes[at++];
  const size = u32();
  const start = at;
  const end = start + size;
  if (id === 0) {
    const title = name();
    sections.push([`custom ${title}`, size]);
    if (title === 'name') {
      while (at < end) {
        const sub = bytes[at++];
        const len = u32();
        const subEnd = at + len;
        if (sub === 1) {
          const count = u32();
          for (let i = 0; i < count; i++) {
            const index = u32();
            names.set(index, name());
          }
        }
        at = subEnd;
      }
    }
  } else {
    sections.push([['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'][id] ?? `section ${id}`, size]);
    if (id === 2) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        name();
        name();
        const kind = bytes[at++];
        if (kind === 0) { u32(); imported++; } else if (kind === 1) { at++; const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 3) { at += 2; }
      }
    } else if (id === 10) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        const len = u32();
        bodies.push({ index: imported + i, size: len });
        at += len;
      }
    } else if (id === 11) {
      data = size;
    }
  }
  at = end;
}

const demangle = (s) => s.replace(/17h[0-9a-f]{16}E$/, '').replace(/^_ZN/, '').replace(/\d+([A-Za-z_$][\w$.]*)/g, (m, w) => w);
const crateOf = (n) => {
  const d = n.replace(/^_<|^<|^_ZN/, '');
  const m = d.match(/^(?:\d+)?([A-Za-z_][A-Za-z0-9_]*)/);
  return m ? m[1] : '?';
};
const rows = bodies.map((b) => {
  const raw = names.get(b.index) ?? `func[${b.index}]`;
  return { ...b, raw, name: demangle(raw) };
});
const total = bytes.length;
console.log(`${file}: ${total} bytes; code ${rows.reduce((s, r) => s + r.size, 0)} in ${rows.length} functions; data ${data}`);
for (const [what, size] of sections) console.log(`  section ${what.padEnd(24)} ${String(size).padStart(9)}`);
const byCrate = new Map();
for (const r of rows) {
  const c = crateOf(r.raw);
  byCrate.set(c, (byCrate.get(c) ?? 0) + r.size);
}
console.log('\nBy crate (first path segment of the symbol, approximate):');
for (const [c, s] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${String(s).padStart(9)}  ${c}`);
const shown = rows.filter((r) => !GREP || r.name.includes(GREP)).sort((a, b) => b.size - a.size);
console.log(`\nLargest functions${GREP ? ` matching ${GREP}` : ''} (${shown.length}, total ${shown.reduce((s, r) => s + r.size, 0)}):`);
for (const r of shown.slice(0, TOP)) console.log(`  ${String(r.size).padStart(8)}  ${r.name.slice(0, 160)}`);
