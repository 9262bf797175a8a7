// Run a bench worker script in a fresh Node process and read the JSON line it prints last.
// Rows whose figure depends on the process they run in (RSS; latency tails, which a long-lived
// bench process full of earlier rows' heap stretches) measure there, as a service would run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `name` is a worker next to this file (`latency-worker`, `memory-worker`); `args` go to its argv. */
export async function runWorker<T>(name: string, args: readonly string[]): Promise<T> {
  // Compiled (dist/*.js) or run from source under tsx (src/*.ts).
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./${name}${fromSource ? '.ts' : '.js'}`, import.meta.url));
  const argv = [...(fromSource ? ['--import', 'tsx'] : []), script, ...args];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${name} exited with ${code}`))));
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}
