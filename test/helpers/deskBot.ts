import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestAdapter, type Activity } from 'botbuilder';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import type { AssistantBot } from '../../src/bot/assistantBot';
import { adviserAvailability } from '../../src/core/handoff/hours';
import { estimateWait } from '../../src/core/handoff/wait';
import { HandoffService } from '../../src/handoff/service';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { Store } from '../../src/store/store';
import { core } from './testBot';

/**
 * The real bot with an adviser desk (HandoffService) on a SQLite store in a temporary folder, on a
 * clock the test moves; nothing is delivered to advisers. For dialog tests of safeguarding and
 * hand-offs that need the desk's hours, queue and call-backs.
 */
export interface DeskBot {
  store: Store;
  bot: AssistantBot;
  close(): Promise<void>;
}

export async function openDeskBot(folderPrefix: string, now: () => Date): Promise<DeskBot> {
  const dataDir = mkdtempSync(path.join(tmpdir(), folderPrefix));
  const store = await SqliteStore.open({ dataDir, now });
  const service = new HandoffService({
    store,
    now,
    hours: (tenant, at) => adviserAvailability(core().knowledge.tenants.get(tenant)!, at),
    estimateWait,
    deliver: async () => {},
    recordsOwnTranscript: () => false,
    notifiers: [],
  });
  const bot = createAssistantBot({ core: core(), storage: store.botStorage(), defaultTenant: 'generic', feedback: store, handoff: service, retentionDays: 30 });
  return {
    store,
    bot,
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Someone writing in one conversation on one channel and council. */
export interface Person {
  /** Sends one message at `at`; returns the messages the bot sent in that turn, in order. */
  say(text: string, at?: Date): Promise<Partial<Activity>[]>;
}

export function personTalkingTo(bot: AssistantBot, conversationId: string, channelId: string, tenant: string, now: () => Date): Person {
  const adapter = new TestAdapter((context) => bot.run(context), {
    channelId,
    conversation: { id: conversationId } as Activity['conversation'],
    channelData: { tenant },
  });
  return {
    async say(text, at = now()) {
      adapter.activeQueue.splice(0);
      await adapter.receiveActivity({ type: 'message', text, timestamp: at });
      return adapter.activeQueue.splice(0).filter((a) => a.type === 'message');
    },
  };
}
