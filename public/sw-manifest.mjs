// Trunk post_build hook: writes this build's identity and file list into the staged sw.js,
// so the service worker caches exactly this build (and drops the previous one).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('sw-manifest: TRUNK_STAGING_DIR is not set (run me as a trunk hook)');
  process.exit(1);
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const worker = join(staging, 'sw.js');
const assets = files(staging)
  .map((path) => relative(staging, path).split(sep).join('/'))
  .filter((name) => name !== 'sw.js' && name !== 'index.html')
  .sort();
const hash = createHash('sha256');
for (const name of assets) {
  hash.update(name);
  hash.update(readFileSync(join(staging, name)));
}
hash.update(readFileSync(join(staging, 'index.html')));
const build = hash.digest('hex').slice(0, 16);
const source = readFileSync(worker, 'utf8');
if (!source.includes('__FLOWVERIFY_ASSETS__')) {
  console.error('sw-manifest: sw.js has no __FLOWVERIFY_ASSETS__ placeholder');
  process.exit(1);
}
writeFileSync(
  worker,
  source.replace('__FLOWVERIFY_BUILD__', build).replace('__FLOWVERIFY_ASSETS__', JSON.stringify(assets)),
);
console.log(`sw-manifest: build ${build}, ${assets.length} files`);
