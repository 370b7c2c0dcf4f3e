// The SQLite checkpointer, run in a worker thread by storage/checkpointer.ts (plain JavaScript: a worker
// thread does not inherit the tsx loader). It copies the WAL back into
// the database file with a connection of its own, so the fsyncs of each checkpoint wait here instead of
// stalling the event loop inside whichever COMMIT crossed SQLite's automatic checkpoint threshold.
import { setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, intervalMs, restartFrames } = workerData;
const db = new Database(path);
db.pragma('wal_autocheckpoint = 0');
// RESTART waits on the busy handler for readers of an older snapshot, and holds new writers back while it
// waits: a long reader (a report, `coupond backup`) then stalled every write for the whole wait, tick after
// tick. A short wait bounds that stall; a RESTART that cannot finish is tried again at the next tick.
db.pragma('busy_timeout = 50');

let stopped = false;
function tick() {
  if (stopped) return;
  try {
    // PASSIVE copies what it can without waiting for anyone.
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    // Under steady writes the WAL never runs dry, so it never starts over by itself: once it is long,
    // RESTART holds new writers back (for the few frames PASSIVE left) and the next write starts at frame 0.
    if (row && row.log >= restartFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch (e) {
    parentPort.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
  setTimeout(tick, intervalMs);
}

parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  stopped = true;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    db.close();
  } finally {
    parentPort.postMessage({ stopped: true });
  }
});

setTimeout(tick, intervalMs);
