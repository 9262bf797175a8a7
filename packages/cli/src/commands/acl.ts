// `sluice acl`: the minimal Redis ACL rule for Sluice under one prefix (docs/security.md).
import { aclRule } from '@sluice/core/plugin';
import type { Command } from 'commander';
import { globalsOf } from '../program/globals.js';
import type { Register } from '../program/register.js';

export const registerAcl: Register = (program, run) => {
  program
    .command('acl')
    .description('print the minimal Redis ACL rule for Sluice: the commands it uses, keys under --prefix')
    .option('--user <name>', 'print a full ACL SETUSER line for this user (password left for you to fill in)')
    .action(
      run(async (opts: { user?: string }, cmd: Command) => {
        const { prefix } = globalsOf(cmd);
        const rule = aclRule(prefix);
        process.stdout.write(opts.user ? `ACL SETUSER ${opts.user} on ><password> ${rule}\n` : `${rule}\n`);
        return undefined;
      }),
    );
};
