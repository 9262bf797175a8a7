// Ordering options of a publish (docs/ordering.md): which one the task uses, validated once,
// and the backlog score it gets. A task without any of them stays on the FIFO path.
import { PayloadError } from '../errors.js';
import { ORDER_FIELDS } from '../wire/fields.js';

/** Lowest-priority value accepted; 1 is the most urgent (BullMQ's convention and range). */
export const MAX_PRIORITY = 2_097_152;

export interface OrderOptions {
  /** Integer in [1, 2097152]; lower runs first, FIFO among equals. Combines with `deadline` (expiry only). */
  priority?: number | undefined;
  /** Newest first: the most recently published task is the next one handed out. */
  lifo?: boolean | undefined;
  /** Earliest deadline first (unless `priority` is set); still waiting past it → dead letter `expired`. */
  deadline?: Date | number | undefined;
  /** Shortest expected first: the task's expected handler time in ms (>= 0). */
  estimatedMs?: number | undefined;
  /**
   * `key`: the task waits in its `key`'s own queue; consumers with `ordering.fairness: 'key'`
   * serve the keys round-robin, so one key's flood does not delay another's (docs/allocation.md).
   */
  fairness?: 'key' | undefined;
  /** The task's key (wire field `key`): the fairness key with `fairness: 'key'`. */
  key?: string | undefined;
  /**
   * The task's type (e.g. `'thumbnail'`): consumers with `fairShare: 'cost'` learn the handler
   * time per type and charge it to tasks of that type published without `estimatedMs`
   * (docs/allocation.md). Goes with another ordering option, typically `fairness: 'key'`.
   */
  type?: string | undefined;
}

/** Where an ordered task goes: its score (undefined for LIFO) and the extra wire fields. */
export interface TaskOrder {
  score: number | undefined;
  fields: string[];
  /** The fairness key (the task's `key`), when published with `fairness: 'key'`. */
  fairKey?: string | undefined;
}

/** True when the options ask for any ordering (cheap: the FIFO path checks this per publish). */
export function isOrdered(o: OrderOptions): boolean {
  return (
    o.priority !== undefined ||
    (o.lifo !== undefined && o.lifo !== false) ||
    o.deadline !== undefined ||
    o.estimatedMs !== undefined ||
    o.fairness !== undefined ||
    o.type !== undefined
  );
}

/** Validate the ordering options; throws PayloadError (ERR_SLUICE_PAYLOAD) naming the bad one. */
export function taskOrder(o: OrderOptions, now = Date.now()): TaskOrder {
  const { priority, lifo, deadline, estimatedMs } = o;
  if (priority !== undefined && (!Number.isInteger(priority) || priority < 1 || priority > MAX_PRIORITY)) {
    throw new PayloadError(`option "priority" must be an integer in [1, ${MAX_PRIORITY}], got ${show(priority)}`);
  }
  if (lifo !== undefined && typeof lifo !== 'boolean')
    throw new PayloadError(`option "lifo" must be a boolean, got ${show(lifo)}`);
  if (
    estimatedMs !== undefined &&
    (typeof estimatedMs !== 'number' || !Number.isFinite(estimatedMs) || estimatedMs < 0)
  )
    throw new PayloadError(`option "estimatedMs" must be a finite number >= 0, got ${show(estimatedMs)}`);
  let dl: number | undefined;
  if (deadline !== undefined) {
    dl = deadline instanceof Date ? deadline.getTime() : deadline;
    if (typeof dl !== 'number' || !Number.isFinite(dl))
      throw new PayloadError(`option "deadline" must be a Date or epoch ms, got ${show(deadline)}`);
    if (dl <= now) throw new PayloadError(`option "deadline" is in the past (${new Date(dl).toISOString()})`);
    dl = Math.ceil(dl);
  }
  const kinds = [
    priority !== undefined || (dl !== undefined && estimatedMs === undefined),
    lifo === true,
    estimatedMs !== undefined,
  ];
  if (kinds.filter(Boolean).length > 1)
    throw new PayloadError('options "priority"/"deadline", "lifo" and "estimatedMs" are different orderings: pick one');
  const fields = dl === undefined ? [] : [ORDER_FIELDS.deadline, String(dl)];
  if (estimatedMs !== undefined) fields.push(ORDER_FIELDS.estimate, String(estimatedMs));
  if (o.type !== undefined) fields.push(ORDER_FIELDS.type, typeOf(o));
  const fairKey = fairKeyOf(o);
  if (lifo === true) return { score: undefined, fields, fairKey };
  return { score: priority ?? estimatedMs ?? dl ?? 0, fields, fairKey };
}

function typeOf(o: OrderOptions): string {
  const { type } = o;
  // It names a Redis key under the stream's hash tag, like a fair key.
  if (typeof type !== 'string' || type.length === 0 || type.length > 128 || /[{}]/.test(type))
    throw new PayloadError(`option "type" must be a string of 1-128 characters without braces, got ${show(type)}`);
  const alone = { ...o, type: undefined };
  if (!isOrdered(alone))
    throw new PayloadError(
      'option "type" goes with an ordering option (e.g. fairness: \'key\'): alone the task is FIFO',
    );
  return type;
}

function fairKeyOf(o: OrderOptions): string | undefined {
  if (o.fairness === undefined) return undefined;
  if (o.fairness !== 'key') throw new PayloadError(`option "fairness" must be "key", got ${show(o.fairness)}`);
  // The key names a Redis key under the stream's hash tag: braces would move it to another slot.
  if (typeof o.key !== 'string' || o.key.length === 0 || o.key.length > 512 || /[{}]/.test(o.key))
    throw new PayloadError(
      `option "fairness" needs option "key": a string of 1-512 characters without braces, got ${show(o.key)}`,
    );
  return o.key;
}

function show(v: unknown): string {
  return v instanceof Date ? 'an invalid Date' : typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? typeof v);
}
