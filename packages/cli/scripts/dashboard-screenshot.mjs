// Refreshes docs/img/dashboard.png: runs the demo (built: npm run build), lets the workers take
// a trickle of orders for a while so the charts have a history, and photographs the dashboard
// in headless Chromium. Usage: node packages/cli/scripts/dashboard-screenshot.mjs [seconds]
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { runDemo } from '../dist/demo.js';

const seconds = Number(process.argv[2] ?? 40);
const out = new PassThrough();
let text = '';
out.on('data', (d) => {
  text += d;
  process.stdout.write(d);
});
const demo = runDemo({ tasks: 400, once: false, out, dashboardPort: 0, metricsPort: 0 });
while (!/^serving (\S+)/m.test(text)) await new Promise((r) => setTimeout(r, 200));
const url = /^serving (\S+)/m.exec(text)[1];
await new Promise((r) => setTimeout(r, seconds * 1000));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
await page.goto(url);
await page.waitForSelector('tr[data-dlq-id]');
const origin = await page.textContent('tr[data-dlq-id] td:nth-child(7)');
await page.fill('#status-id', origin ?? '');
await page.click('#status-form button');
await page.waitForSelector('#status-out dd.state');
const path = fileURLToPath(new URL('../../../docs/img/dashboard.png', import.meta.url));
await page.screenshot({ path, fullPage: true });
await browser.close();
process.emit('SIGINT');
await demo;
console.log(`saved ${path}`);
