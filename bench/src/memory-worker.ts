// Child process of the memory row: one Consumer drains a pre-filled backlog; reports RSS
// once started (before the first entry), at each tenth of the backlog, the peak, and after the last ack, as one JSON line.
import { Consumer } from '@sluice/core';

const [url, prefix, stream, countText] = process.argv.slice(2);
const count = Number(countText);
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const consumer = new Consumer<{ n: number }, number>({
  url: url as string,
  prefix: prefix as string,
  stream: stream as string,
  group: 'g',
  startId: '0',
  concurrency: 100,
  handler: async (p) => p.n,
});
let settled = 0;
const tenths: number[] = [];
const done = new Promise<void>((resolve) => {
  consumer.on('settled', () => {
    if (++settled % Math.ceil(count / 10) === 0) tenths.push(mb(process.memoryUsage().rss));
    if (settled === count) resolve();
  });
});
const started = performance.now();
const cpu = process.cpuUsage();
await consumer.start();
// Connected, group checked, first read sent; no entry handled yet (its reply comes after this).
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 100);
await done;
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const after = process.memoryUsage().rss;
clearInterval(sampler);
await consumer.close();
console.log(
  JSON.stringify({
    rssBeforeMb: mb(before),
    rssAfterMb: mb(after),
    rssPeakMb: mb(Math.max(peak, after)),
    tenths,
    ms,
    cpuUs: used.user + used.system,
    count,
  }),
);
