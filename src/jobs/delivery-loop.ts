// The background loop that delivers notifications (docs/api.md §11): ends expired holds, fans history events out
// to webhook subscriptions, and sends due SMS messages and webhook deliveries. Each step claims its rows
// with a lease in the database, so every server can run this loop at once without double work.
import type { Logger } from 'pino';
import type { NotificationService } from '../services/notifications.js';

export interface DeliveryLoop {
  /** Runs every step once; answers how much work there was (tests drive the loop with it). */
  tick(): Promise<number>;
  /** Stops the loop after the step in progress. */
  stop(): Promise<void>;
}

export interface DeliveryLoopOptions {
  /** Pause between rounds when a round found nothing to do. */
  idleMs?: number;
}

/** Pause when the last round had work: short, so a burst of messages drains quickly. */
const BUSY_MS = 50;
/** Longest pause while steps keep failing (the database is away): doubling from idleMs up to this. */
const MAX_BACKOFF_MS = 5_000;

export function startDeliveryLoop(
  notifications: NotificationService,
  logger: Logger,
  options: DeliveryLoopOptions = {},
): DeliveryLoop {
  const idleMs = options.idleMs ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  /** Rounds in a row in which a step failed (the database away): the pause grows with them. */
  let failing = 0;
  const tick = async (): Promise<number> => {
    let work = 0;
    let failed = false;
    for (const [name, step] of [
      ['expire holds', () => notifications.expireHolds()],
      ['fan out events', () => notifications.fanOut()],
      ['deliver SMS', () => notifications.deliverSms()],
      ['deliver webhooks', () => notifications.deliverWebhooks()],
    ] as const) {
      try {
        work += await step();
      } catch (e) {
        // One failing step (a database hiccup) must not stop the others or the loop.
        logger.error({ err: e, step: name }, 'notification step failed');
        failed = true;
      }
    }
    failing = failed ? failing + 1 : 0;
    return work;
  };

  const loop = () => {
    if (stopped) return;
    running = tick().then((work) => {
      const pause = failing > 0 ? Math.min(MAX_BACKOFF_MS, idleMs * 2 ** (failing - 1)) : idleMs;
      if (!stopped) timer = setTimeout(loop, work > 0 && failing === 0 ? BUSY_MS : pause);
    });
  };
  timer = setTimeout(loop, 0);

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
