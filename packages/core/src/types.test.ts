// Type tests: checked by `tsc -p tsconfig.check.json` (npm run lint). A wrong payload must be
// a compile error; `@ts-expect-error` fails the check when the line below it compiles.
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { Consumer } from './consumer/consumer.js';
import type { HandlerContext } from './consumer/options.js';
import type { Logger } from './log.js';
import { Producer } from './producer/producer.js';

interface Order {
  orderId: number;
  customer: string;
}
interface Email {
  to: string;
}
interface Receipt {
  charged: number;
}

describe('typed payloads', () => {
  it('types publish by stream name', () => {
    const producer = new Producer<{ orders: Order; emails: Email }>({ url: 'redis://127.0.0.1:1' });
    expectTypeOf(producer.publish<'orders'>)
      .parameter(1)
      .toEqualTypeOf<Order>();
    const ok = () => producer.publish('orders', { orderId: 1, customer: 'c' });
    expectTypeOf(ok).returns.toEqualTypeOf<Promise<string>>();
    // @ts-expect-error an Email is not an Order
    const wrongPayload = () => producer.publish('orders', { to: 'x' });
    // @ts-expect-error no such stream in the map
    const wrongStream = () => producer.publish('invoices', { orderId: 1, customer: 'c' });
    // @ts-expect-error every element of publishMany is checked too
    const wrongMany = () => producer.publishMany('emails', [{ to: 'a' }, { orderId: 2 }]);
    expectTypeOf([wrongPayload, wrongStream, wrongMany]).not.toBeNever();
  });

  it('types a stream handle', () => {
    const orders = new Producer({ url: 'redis://127.0.0.1:1' }).stream<Order>('orders');
    expectTypeOf(orders.publish).parameter(0).toEqualTypeOf<Order>();
    // @ts-expect-error a handle only takes its payload type
    const wrong = () => orders.publish({ to: 'x' });
    expectTypeOf(wrong).not.toBeNever();
  });

  it('an untyped producer takes any payload on any stream', () => {
    const producer = new Producer({ url: 'redis://127.0.0.1:1' });
    expectTypeOf(producer.publish<'anything'>)
      .parameter(1)
      .toEqualTypeOf<unknown>();
  });

  it('infers Consumer<T, R> from the handler', () => {
    const consumer = new Consumer({
      url: 'redis://127.0.0.1:1',
      stream: 'orders',
      group: 'g',
      handler: async (order: Order, ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<HandlerContext>();
        expectTypeOf(ctx.log).toEqualTypeOf<Logger>();
        return { charged: order.orderId } satisfies Receipt;
      },
    });
    expectTypeOf(consumer).toEqualTypeOf<Consumer<Order, { charged: number }>>();
    new Consumer<Order>({
      url: 'redis://127.0.0.1:1',
      stream: 'orders',
      group: 'g',
      // @ts-expect-error the handler's payload must match T
      handler: async (email: Email) => email.to,
    });
  });

  it('infers the handler payload from a consumer schema, and a stream handle from its schema', () => {
    const OrderSchema = z.object({ orderId: z.number(), customer: z.string() });
    const consumer = new Consumer({
      url: 'redis://127.0.0.1:1',
      stream: 'orders',
      group: 'g',
      schema: OrderSchema,
      handler: (order) => {
        expectTypeOf(order).toEqualTypeOf<{ orderId: number; customer: string }>();
        return order.orderId;
      },
    });
    expectTypeOf(consumer).toEqualTypeOf<Consumer<{ orderId: number; customer: string }, number>>();
    const emails = new Producer({ url: 'redis://127.0.0.1:1' }).stream('emails', {
      schema: v.object({ to: v.string() }),
    });
    expectTypeOf(emails.publish).parameter(0).toEqualTypeOf<{ to: string }>();
    // @ts-expect-error the handle takes the schema's input type
    const wrong = () => emails.publish({ orderId: 1 });
    expectTypeOf(wrong).not.toBeNever();
  });
});
