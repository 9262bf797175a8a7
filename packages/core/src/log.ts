// The logger handed to handlers (`ctx.log`) and used for errors nobody listens to. Its
// shape is pino's (`log.info(obj, msg)` or `log.info(msg)`, `child(bindings)`), so a pino
// or bunyan instance drops in and its structured fields survive.

export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger that adds `bindings` to every line (pino, bunyan). Optional: Sluice adds them itself otherwise. */
  child?(bindings: Record<string, unknown>): Logger;
}

const levels = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof levels)[number];

/** Console logger; SLUICE_LOG=debug|info|warn|error sets the threshold (default warn). */
export function consoleLogger(name = 'sluice', bindings: Record<string, unknown> = {}): Logger {
  const threshold = Math.max(0, levels.indexOf((process.env.SLUICE_LOG ?? 'warn') as Level));
  const make =
    (level: Level): LogFn =>
    (a: Record<string, unknown> | string, b?: string) => {
      if (levels.indexOf(level) < threshold) return;
      const [obj, msg] = typeof a === 'string' ? [undefined, a] : [a, b ?? ''];
      const fields = { ...bindings, ...obj };
      const extra = Object.keys(fields).length > 0 ? [fields] : [];
      console[level === 'debug' ? 'log' : level](`[${name}] ${level}: ${msg}`, ...extra);
    };
  return {
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    child: (more) => consoleLogger(name, { ...bindings, ...more }),
  };
}

/** `log.child(bindings)`, or a wrapper that merges the bindings into every line when it has none. */
export function childLogger(log: Logger, bindings: Record<string, unknown>): Logger {
  if (typeof log.child === 'function') return log.child(bindings);
  const wrap =
    (fn: LogFn): LogFn =>
    (a: Record<string, unknown> | string, b?: string) =>
      typeof a === 'string' ? fn({ ...bindings }, a) : fn({ ...bindings, ...a }, b);
  return {
    debug: wrap(log.debug.bind(log)),
    info: wrap(log.info.bind(log)),
    warn: wrap(log.warn.bind(log)),
    error: wrap(log.error.bind(log)),
    child: (more) => childLogger(log, { ...bindings, ...more }),
  };
}
