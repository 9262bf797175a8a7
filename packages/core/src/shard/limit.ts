// A counting semaphore with the SharedLimit shape: caps handlers across a sharded
// consumer's per-shard consumers, so `concurrency` means the same as for one stream.
import type { SharedLimit } from '../consumer/options.js';

export function sharedSlots(max: number): SharedLimit {
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return <X>(fn: () => Promise<X>): Promise<X> =>
    new Promise<X>((resolve, reject) => {
      const run = () => {
        active++;
        fn().then(resolve, reject).finally(release);
      };
      if (active < max) run();
      else queue.push(run);
    });
}
