import { AsyncLocalStorage } from 'node:async_hooks';
import type { TurnLock } from './directline/turnLock';

/**
 * One conversation's turns run one at a time, in the order they came, on every channel; with a
 * turn lock (PostgreSQL) also across instances. Shared by the Direct Line, SMS and Bot Service
 * adapters.
 */
export class ConversationTurns {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly current = new AsyncLocalStorage<string>();

  constructor(private readonly lock?: TurnLock) {}

  /** Conversations with a turn queued or running. */
  get pending(): number {
    return this.queues.size;
  }

  /** Runs `task` after the conversation's earlier turns; the task runs "inside" the conversation. */
  run<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    // A turn that messages its own conversation (continueConversation inside the turn) must not wait for itself.
    if (this.current.getStore() === conversationId) return task();
    const inside = () => this.current.run(conversationId, task);
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const lock = this.lock;
    const result = previous.then(lock ? () => lock(conversationId, inside) : inside);
    const settled = result.catch(() => undefined);
    this.queues.set(conversationId, settled);
    void settled.then(() => {
      if (this.queues.get(conversationId) === settled) this.queues.delete(conversationId);
    });
    return result;
  }

  /** Marks work as part of the conversation's turn without queueing it (it already holds the turn). */
  within<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    return this.current.run(conversationId, task);
  }

  /**
   * Resolves true once no turn is queued or running, false after `timeoutMs`. Turns queued while
   * it waits are waited for too. For graceful shutdown, after the server stops accepting.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    while (this.queues.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(this.queues.values()),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }
}
