// Payload validation with any Standard Schema validator (zod, valibot, arktype, ...):
// https://standardschema.dev. Sync validators cost one call; async ones return a promise.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigError, ValidationError } from '../errors.js';
import { isPromiseLike } from '../util.js';

export type { StandardSchemaV1 };

/** The payload type a schema produces. */
export type SchemaOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { '~standard'?: { validate?: unknown } } | null | undefined)?.['~standard'];
  return typeof std === 'object' && std !== null && typeof std.validate === 'function';
}

export function schemaOption(owner: string, field: string, value: unknown): StandardSchemaV1 {
  if (!isStandardSchema(value))
    throw new ConfigError(`${owner}: option "${field}" must be a Standard Schema validator (zod, valibot, arktype...)`);
  return value;
}

/** One line per issue: `path: message`. */
export function formatIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .map((i) => {
      const path = (i.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

function checked(result: StandardSchemaV1.Result<unknown>, what: string): unknown {
  if (result.issues) throw new ValidationError(`${what} is invalid: ${formatIssues(result.issues)}`, result.issues);
  return result.value;
}

/** The validated (possibly transformed) value, or a promise of it; throws ValidationError with the issues. */
export function validate(schema: StandardSchemaV1, value: unknown, what = 'payload'): unknown {
  const result = schema['~standard'].validate(value);
  if (isPromiseLike(result)) return Promise.resolve(result).then((r) => checked(r, what));
  return checked(result, what);
}

/** Every payload validated (all issues of the first bad one reported with its index). */
export function validateAll(
  schema: StandardSchemaV1,
  payloads: readonly unknown[],
  what: string,
): unknown[] | Promise<unknown[]> {
  const out = payloads.map((p, i) => validate(schema, p, `${what}: payload [${i}]`));
  return out.some(isPromiseLike) ? Promise.all(out) : out;
}

/** Run a sync-or-async step, then `next` with its value; a throw becomes a rejection. */
export function settle<V, R>(step: () => V | PromiseLike<V>, next: (value: V) => Promise<R>): Promise<R> {
  let value: V | PromiseLike<V>;
  try {
    value = step();
  } catch (err) {
    return Promise.reject(err);
  }
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value);
}
