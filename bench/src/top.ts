// Summarise a V8 profile written by profile.ts: self time (.cpuprofile) or bytes allocated
// (.heapprofile) per function and per file, highest first.
//   node bench/dist/top.js <file> [limit]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

const [file, limitText] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/dist/top.js <file.cpuprofile|file.heapprofile> [limit]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile | HeapProfile;

/** (frame, amount) pairs: µs of self time, or bytes allocated. */
const costs: [CallFrame, number][] = [];
if ('head' in profile) {
  const walk = (n: HeapNode) => {
    costs.push([n.callFrame, n.selfSize]);
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
} else {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  for (const [id, us] of self) costs.push([(byId.get(id) as CpuNode).callFrame, us]);
}
const heap = 'head' in profile;
const total = costs.reduce((sum, [, n]) => sum + n, 0);
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [{ functionName, url, lineNumber }, n] of costs) {
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, '')
    .replace(/.*\/packages\//, '');
  const fn = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + n);
  const where = short || functionName;
  byFile.set(where, (byFile.get(where) ?? 0) + n);
}
const limit = Number(limitText ?? 25);
const unit = (n: number) =>
  heap ? `${(n / 1e6).toFixed(1).padStart(7)} MB` : `${(n / 1000).toFixed(0).padStart(6)} ms`;
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${unit(n)}  ${name}`);
  }
};
console.log(`${file}: ${unit(total).trim()} in all`);
show(heap ? 'allocated by function' : 'self time by function', byFunction);
show(heap ? 'allocated by file' : 'self time by file', byFile);
