// End-to-end tests of the built page (dist/) in Debian's Chromium, served by serve.mjs on
// 127.0.0.1 at a free port picked here (and inherited by the workers through the environment).
import { createServer } from 'node:net';
import { defineConfig } from '@playwright/test';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

process.env.FLOWVERIFY_PORT ??= String(await freePort());
const port = process.env.FLOWVERIFY_PORT;
export const baseURL = `http://127.0.0.1:${port}/`;

export default defineConfig({
  testDir: './specs',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: '../../test-results',
  use: {
    baseURL,
    browserName: 'chromium',
    serviceWorkers: 'allow',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `node serve.mjs --dir ../../dist --port ${port}`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
