// `sluice rewind <stream> <group> --to <time|id>`: show what would be delivered again; move
// the group only with --execute (like Kafka's --reset-offsets, since people forget it acts).
import { streamKeys } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { colorsFor, writeJson } from '../output/style.js';
import { isoTime } from '../output/units.js';
import { parseBound } from '../program/args.js';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';
import { withRedis } from '../redis/connect.js';
import { loadClaim } from '../report/lazy.js';
import { previewRewind, type RewindPreview } from '../report/rewind-preview.js';

function describe(p: RewindPreview, stream: string): string {
  const n = `${p.estimated ? '~' : ''}${p.entries}`;
  const span = p.firstId ? ` (${p.firstId} … ${p.lastId})` : '';
  if (p.direction === 'back') return `${n} entries of ${stream} would be delivered again to group ${p.group}${span}`;
  if (p.direction === 'forward') return `${n} entries of ${stream} would be skipped by group ${p.group}${span}`;
  return `group ${p.group} is already at ${p.targetId}: nothing would change`;
}

export const registerRewind: Register = (program, run) => {
  program
    .command('rewind')
    .description("move a group's read position to a time or id; previews unless --execute")
    .argument('<stream>', 'stream name')
    .argument('<group>', 'consumer group')
    .requiredOption('--to <T>', 'new position: a stream id, ms since the epoch, or an ISO date', parseBound)
    .option('--execute', 'really move the group (without it, only the preview is shown)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nPending entries stay pending; entries after the new position are delivered again.')
    .action(
      run(
        async (
          stream: string,
          group: string,
          f: { to: string | number; execute?: boolean; json?: boolean },
          cmd: Command,
        ) => {
          const g = globalsOf(cmd);
          const keys = streamKeys(stream, g.prefix);
          const c = colorsFor(process.stdout);
          return withRedis(g.redis, async (client) => {
            const preview = await previewRewind(client, keys.stream, group, f.to);
            const executed = Boolean(f.execute) && preview.direction !== 'none';
            if (executed) await (await loadClaim()).rewind(client, stream, group, f.to, { prefix: g.prefix });
            if (f.json) {
              writeJson({ stream, ...preview, executed });
              return 0;
            }
            const target = typeof f.to === 'number' ? isoTime(f.to) : preview.targetId;
            const out = [`group ${group} on ${stream}: at ${preview.lastDeliveredId}, target ${target}`];
            out.push(describe(preview, stream));
            if (executed) out.push(c.green(`rewound: group ${group} now at ${preview.targetId}`));
            else if (preview.direction !== 'none')
              out.push(c.yellow('preview only: nothing changed; add --execute to act'));
            process.stdout.write(`${out.join('\n')}\n`);
            return 0;
          });
        },
      ),
    );
};
