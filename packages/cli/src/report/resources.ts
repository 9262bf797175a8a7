// What `inspect` shows of a stream's resource scheduling (docs/allocation.md, "Resources"):
// the live consumers' capacities and the tasks waiting per requirement, the unschedulable ones
// (no live consumer could ever run them) marked.
import type { ResourceState } from '@sluice/core/plugin';
import { type Colors, table } from '../output/style.js';
import { duration } from '../output/units.js';

const amounts = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([name, v]) => `${name}=${v}`)
    .join(' ');

/** Empty when the stream uses no resources (no capacity records, no waiting tasks). */
export function formatResources(s: ResourceState, c: Colors): string {
  if (s.consumers.length === 0 && s.shapes.length === 0) return '';
  let text = `\n${c.bold('resources')}  ${s.queued} waiting`;
  text +=
    s.unschedulable > 0 ? `, ${c.red(`${s.unschedulable} unschedulable`)} (no live consumer could run them)\n` : '\n';
  if (s.consumers.length > 0)
    text += table(
      ['CONSUMER', 'CAPACITY', 'RECORD EXPIRES IN'],
      s.consumers.map((k) => [k.name, amounts(k.capacity), duration(k.expiresInMs)]),
      c,
    );
  else text += `${c.yellow('no live consumer with capacity')}\n`;
  if (s.shapes.length > 0)
    text += `\n${table(
      ['REQUIRES', 'WAITING', 'STATUS'],
      s.shapes.map((x) => [amounts(x.requires), x.tasks, x.unschedulable ? c.red('unschedulable') : 'schedulable']),
      c,
    )}`;
  return text;
}
