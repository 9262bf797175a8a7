// The logger handed to handlers (`ctx.log`) and used for errors nobody listens to.

export interface Logger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

const levels = ['debug', 'info', 'warn', 'error'] as const;

/** Console logger; SLUICE_LOG=debug|info|warn|error sets the threshold (default warn). */
export function consoleLogger(name = 'sluice'): Logger {
  const threshold = Math.max(0, levels.indexOf((process.env.SLUICE_LOG ?? 'warn') as (typeof levels)[number]));
  const make = (level: (typeof levels)[number]) =>
    levels.indexOf(level) < threshold
      ? () => {}
      : (msg: string, meta?: Record<string, unknown>) =>
          console[level === 'debug' ? 'log' : level](`[${name}] ${level}: ${msg}`, ...(meta ? [meta] : []));
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
