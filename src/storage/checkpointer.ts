// Starts and stops the SQLite checkpointer thread (checkpointer.mjs). The main connection turns SQLite's
// automatic checkpoints off; without this thread the WAL would grow for ever.
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** How often the WAL is copied back into the database file. */
  intervalMs: number;
  /** A WAL longer than this many pages is started over (RESTART), briefly holding writers back. */
  restartFrames: number;
}

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  path: string,
  options: CheckpointerOptions,
  onError: (message: string) => void,
): Checkpointer {
  const worker = new Worker(new URL('./checkpointer.mjs', import.meta.url), {
    workerData: { path, ...options },
  });
  worker.unref(); // never keeps the process alive on its own
  worker.on('message', (m: { error?: string }) => {
    if (m.error) onError(m.error);
  });
  worker.on('error', (e) => onError(e.message));
  let stopping = false;
  worker.on('exit', (code) => {
    if (!stopping) onError(`checkpointer exited with code ${code}`);
  });
  return {
    async stop() {
      stopping = true;
      const done = new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage('stop');
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000).unref())]);
      await worker.terminate();
    },
  };
}
