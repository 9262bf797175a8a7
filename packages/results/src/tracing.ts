// tracing(): W3C trace context through the `h` headers. The producer side adds `traceparent`
// (and `tracestate`) from the active OpenTelemetry context; the consumer side runs the handler
// in a CONSUMER span whose parent is that context. @opentelemetry/api is an optional peer:
// without it this plugin does nothing and costs nothing.
import { createRequire } from 'node:module';
import type { ConsumerPlugin, Entry, Headers, ProducerPlugin } from '@sluice/core';
import { knownOptions } from '@sluice/core/plugin';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

/** The part of @opentelemetry/api used here (typed locally: no type dependency on OTel). */
interface SpanContextLike {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: { serialize(): string } | undefined;
}
interface SpanLike {
  spanContext(): SpanContextLike;
  setAttribute(key: string, value: string | number): unknown;
  recordException(err: unknown): void;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
interface OtelApi {
  context: { active(): unknown; with<T>(ctx: unknown, fn: () => T): T };
  trace: {
    getSpan(ctx: unknown): SpanLike | undefined;
    setSpan(ctx: unknown, span: SpanLike): unknown;
    setSpanContext(ctx: unknown, sc: SpanContextLike): unknown;
    getTracer(name: string): { startSpan(name: string, opts: unknown, ctx: unknown): SpanLike };
  };
  isSpanContextValid(sc: SpanContextLike): boolean;
  createTraceState?(raw?: string): { serialize(): string };
  SpanKind: { CONSUMER: number };
  SpanStatusCode: { ERROR: number };
}

export interface TracingOptions {
  /** Tracer that consumer spans come from. @defaultValue "@sluice/results" */
  tracerName?: string;
  /** The `@opentelemetry/api` module, for setups where it cannot be required from here. @defaultValue loaded if installed */
  api?: unknown;
}

/** `@opentelemetry/api` if it is installed (the API keeps its state global, so any copy works). */
export function loadOtelApi(): unknown {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api');
  } catch {
    return undefined;
  }
}

export type TracingPlugin = ConsumerPlugin & ProducerPlugin;

/** Trace propagation for `new Producer({ use: [t] })` and `new Consumer({ use: [t] })`. */
export function tracing(opts: TracingOptions = {}): TracingPlugin {
  knownOptions('tracing()', opts, ['tracerName', 'api']);
  const api = (opts.api ?? loadOtelApi()) as OtelApi | undefined;
  if (!api?.trace || !api.context) return { name: 'tracing' };
  const tracer = api.trace.getTracer(opts.tracerName ?? '@sluice/results');
  return {
    name: 'tracing',
    headers(): Headers | undefined {
      const sc = api.trace.getSpan(api.context.active())?.spanContext();
      if (!sc || !api.isSpanContextValid(sc)) return undefined;
      const out: Headers = { traceparent: formatTraceparent(sc) };
      const state = sc.traceState?.serialize();
      if (state) out.tracestate = state;
      return out;
    },
    wrap<X>(run: () => Promise<X>, entry: Entry): Promise<X> {
      let parent = api.context.active();
      const remote = parseTraceparent(entry.headers.traceparent);
      if (remote) {
        const sc: SpanContextLike = { ...remote, isRemote: true };
        const state = entry.headers.tracestate;
        if (typeof state === 'string' && api.createTraceState) sc.traceState = api.createTraceState(state);
        parent = api.trace.setSpanContext(parent, sc);
      }
      const span = tracer.startSpan(
        `process ${entry.stream}`,
        {
          kind: api.SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'redis',
            'messaging.operation.type': 'process',
            'messaging.destination.name': entry.stream,
            'messaging.message.id': entry.id,
            'sluice.attempt': entry.attempt,
          },
        },
        parent,
      );
      return api.context.with(api.trace.setSpan(parent, span), run).then(
        (value) => {
          span.end();
          return value;
        },
        (err) => {
          span.recordException(err);
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
          span.end();
          throw err;
        },
      );
    },
  };
}
