import { errorFields, log } from '../log';
import type { Store } from '../store/store';
import type { HandoffService } from './service';

export interface HandoffSweeperOptions {
  /** A conversation with an adviser where nobody has written for this long is closed. */
  silenceMs: number;
  /** How often to look. Default every 30 seconds. */
  everyMs?: number;
  now?: () => Date;
}

export interface HandoffSweeper {
  /** Looks once now; resolves with how many conversations it closed. */
  runNow(): Promise<number>;
  stop(): void;
}

/**
 * Closes conversations with an adviser that have gone quiet, so the person is not left talking to
 * nobody: the assistant comes back, says so, and asks how it went. Safe with several instances:
 * the store lets exactly one of them close each hand-off, and only that one tells the person.
 */
export function startHandoffSweeper(store: Store, service: HandoffService, options: HandoffSweeperOptions): HandoffSweeper {
  const now = options.now ?? (() => new Date());
  let running: Promise<number> | undefined;

  const sweep = async (): Promise<number> => {
    const cutoff = now().getTime() - options.silenceMs;
    let closed = 0;
    for (const handoff of await store.listHandoffs({ status: ['claimed'] })) {
      const conversation = await store.getConversation(handoff.conversationId);
      const lastHeard = Math.max(
        Date.parse(handoff.claimedAt ?? handoff.createdAt),
        conversation ? Date.parse(conversation.updatedAt) : 0,
      );
      if (lastHeard < cutoff && (await service.closeSilent(handoff))) closed += 1;
    }
    return closed;
  };

  const runNow = (): Promise<number> => {
    running ??= sweep()
      .catch((error: unknown) => {
        log.warn('handoff.sweep_failed', errorFields(error));
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => void runNow(), options.everyMs ?? 30_000);
  timer.unref();
  return { runNow, stop: () => clearInterval(timer) };
}
