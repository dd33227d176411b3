import { startServer } from './loadServers';
import { runDirectLinePhase } from './loadClient';
const kind = (process.argv[2] ?? 'assistant') as 'assistant' | 'echo';
const server = await startServer({ kind, store: { kind: 'sqlite' } as any, nodeArgs: (process.env.NODEARGS ?? '--cpu-prof --cpu-prof-dir=/tmp/prof').split(' ') });
await runDirectLinePhase({ base: server.base, concurrency: 4, seconds: 1.5, transport: 'ws', pollMs: 20, replyTimeoutMs: 15000, maxConversations: 40, firstConversation: 10000 });
const r = await runDirectLinePhase({ base: server.base, concurrency: 10, seconds: 10, transport: 'ws', pollMs: 20, replyTimeoutMs: 15000, maxConversations: 5000, firstConversation: 0 });
console.log(kind, r.turns_per_s, r.check);
await server.stop();
