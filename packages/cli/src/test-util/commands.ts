// Command lines for tests that run every command.

/** Every command that talks to Redis. */
export const DOWN: string[][] = [
  ['ls'],
  ['inspect', 'orders'],
  ['tail', 'orders', '--count', '1'],
  ['status', 'orders', '1-0'],
  ['publish', 'orders', '{"n":1}'],
  ['dlq', 'list', 'orders'],
  ['dlq', 'show', 'orders', '1-0'],
  ['dlq', 'replay', 'orders'],
  ['dlq', 'purge', 'orders', '--yes'],
  ['rewind', 'orders', 'g', '--to', '0'],
  ['exporter', '--port', '0'],
  ['dashboard', '--port', '0'],
  ['demo', '--once', '--tasks', '1'],
];
