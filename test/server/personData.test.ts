import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmsIds } from '../../src/channels/sms/ids';
import { createStore } from '../../src/store/store';
import { REPO_ROOT } from './helpers';

const SMS_SECRET = 'sms-id-secret-for-tests-0123456789abcdef';

function run(action: 'export' | 'delete', args: string[], dataDir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/personData.ts', action, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', SMS_ID_SECRET: SMS_SECRET, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
}

/** The commands a council's data protection officer runs for one person's request. */
describe('exporting and deleting one person\'s data', () => {
  let dataDir: string;
  const smsConversation = new SmsIds(SMS_SECRET).conversationId('derby', '+447700900555');

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'person-data-'));
    const store = await createStore({ dataDir });
    for (const [id, channel] of [['web-conv-1', 'webchat'], ['web-conv-2', 'webchat'], [smsConversation, 'sms']] as const) {
      await store.createConversation(id, { tenant: 'derby', channel });
      await store.appendActivity(id, { type: 'message', id: `${id}-a`, text: `question from ${id}` });
      await store.addTurnOutcome({ conversationId: id, tenant: 'derby', channel, outcome: 'answered', topicId: 'mediation' });
    }
    await store.close();
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exports a web chat conversation as JSON', () => {
    const result = run('export', ['web-conv-1'], dataDir);
    expect(result.status).toBe(0);
    const exported = JSON.parse(result.stdout);
    expect(exported.subject).toBe('web-conv-1');
    expect(exported.activities.map((a: { activity: { text: string } }) => a.activity.text)).toEqual(['question from web-conv-1']);
    expect(exported.turnOutcomes).toEqual([
      expect.objectContaining({ conversationId: 'web-conv-1', outcome: 'answered', topicId: 'mediation' }),
    ]);
  });

  it('finds an SMS conversation from the number and the council', () => {
    const result = run('export', ['--sms', '+447700900555', '--tenant', 'derby'], dataDir);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).activities).toHaveLength(1);
    expect(result.stdout).not.toContain('+447700900555');
  });

  it('deletes nothing without --yes, then deletes only that person', async () => {
    const refused = run('delete', ['web-conv-2'], dataDir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const deleted = run('delete', ['web-conv-2', '--yes'], dataDir);
    expect(deleted.status).toBe(0);
    expect(deleted.stdout).toMatch(/activities 1/);
    expect(deleted.stdout).toMatch(/turnOutcomes 1/);
    const store = await createStore({ dataDir });
    try {
      expect(await store.conversationExists('web-conv-2')).toBe(false);
      expect(await store.conversationExists('web-conv-1')).toBe(true);
      expect((await store.listTurnOutcomes({})).map((t) => t.conversationId).sort()).toEqual([smsConversation, 'web-conv-1'].sort());
    } finally {
      await store.close();
    }
  });

  it('explains a bad request and changes nothing', () => {
    expect(run('export', [], dataDir).status).toBe(2);
    expect(run('export', ['--sms', '07700', '--tenant', 'derby'], dataDir).stderr).toMatch(/E\.164/);
  });
});
