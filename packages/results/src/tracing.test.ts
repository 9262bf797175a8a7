// Trace context goes producer → `h` headers → consumer span, with real OpenTelemetry SDK pieces.
import { context, type SpanContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, harness, until } from './test-util/harness.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';
import { tracing } from './tracing.js';

const exporter = new InMemorySpanExporter();
const manager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  context.setGlobalContextManager(manager.enable());
});
afterAll(() => {
  trace.disable();
  context.disable();
});

describe('tracing()', () => {
  let h: Harness;
  beforeEach(async () => {
    exporter.reset();
    h = await harness('trace');
  });
  afterEach(() => h.close());

  it('carries the active span in traceparent and runs the handler in a child CONSUMER span', async () => {
    const p = h.producer({ use: [tracing()] });
    const inHandler = new Map<number, SpanContext | undefined>();
    const c = h.consumer<number>({
      use: [tracing()],
      handler: (n) => {
        inHandler.set(n, trace.getActiveSpan()?.spanContext());
        if (n === 2) throw new Error('handler failed');
        return n;
      },
    });
    await c.start();
    const tracer = trace.getTracer('test');
    let sent: SpanContext | undefined;
    const id = await tracer.startActiveSpan('http request', async (span) => {
      sent = span.spanContext();
      try {
        return await p.publish('jobs', 1);
      } finally {
        span.end();
      }
    });
    const explicit = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await tracer.startActiveSpan('another', async (span) => {
      await p.publish('jobs', 2, { headers: { traceparent: explicit } }); // the caller's header wins
      span.end();
    });
    await p.publish('jobs', 3); // no active span: no header, the consumer span is a root
    await until(
      () => inHandler.size === 3 && exporter.getFinishedSpans().filter((s) => s.name === 'process jobs').length === 3,
    );

    const entry = (await h.range(h.keys.stream)).find((e) => e.id === id);
    const headers = JSON.parse(entry?.f.h ?? '{}');
    expect(parseTraceparent(headers.traceparent)).toEqual({
      traceId: sent?.traceId,
      spanId: sent?.spanId,
      traceFlags: 1,
    });

    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'process jobs');
    const byTrace = (traceId: string | undefined) => spans.find((s) => s.spanContext().traceId === traceId);
    const first = byTrace(sent?.traceId);
    expect(first?.parentSpanContext?.spanId).toBe(sent?.spanId);
    expect(first?.kind).toBe(4); // SpanKind.CONSUMER
    expect(first?.attributes).toMatchObject({ 'messaging.destination.name': 'jobs', 'messaging.message.id': id });
    expect(inHandler.get(1)?.spanId).toBe(first?.spanContext().spanId); // the handler ran inside it

    const second = byTrace('0af7651916cd43dd8448eb211c80319c');
    expect(second?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(second?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(second?.events.some((e) => e.name === 'exception')).toBe(true);

    const third = spans.find((s) => s !== first && s !== second);
    expect(third?.parentSpanContext).toBeUndefined();
    expect(JSON.parse((await h.range(h.keys.stream))[2]?.f.h ?? '{}').traceparent).toBeUndefined();
  });

  it('does nothing without an OpenTelemetry API', () => {
    const t = tracing({ api: {} });
    expect(t.wrap).toBeUndefined();
    expect(t.headers).toBeUndefined();
  });

  it('formats and parses W3C traceparent, rejecting invalid ones', () => {
    const p = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
    expect(formatTraceparent(p)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(parseTraceparent(formatTraceparent(p))).toEqual(p);
    for (const bad of [
      undefined,
      '',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
    // A future version may append fields.
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what')).toEqual(p);
  });
});
