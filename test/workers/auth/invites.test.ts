import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../../functions/auth/tokens';
import { app } from '../../../workers/app';
import { uniqueEmail, uniqueIp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';

const inviteOnly = { ...testEnv, INVITE_ONLY: 'true' };

async function signupWith(body: Record<string, unknown>): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request('http://edgebear.test/api/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': uniqueIp() },
      body: JSON.stringify(body),
    }),
    inviteOnly,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe('INVITE_ONLY signup', () => {
  it('needs an unused invite code, which then is spent', async () => {
    const code = `invite-${crypto.randomUUID()}`;
    await testEnv.DB.prepare('INSERT INTO invites (code_hash) VALUES (?1)')
      .bind(await hashToken(code))
      .run();
    const password = 'invited passphrase 1';

    const without = await signupWith({ email: uniqueEmail('inv'), password });
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe('invite_required');
    const wrong = await signupWith({ email: uniqueEmail('inv'), password, invite: 'nope' });
    expect(wrong.status).toBe(403);

    const ok = await signupWith({ email: uniqueEmail('inv'), password, invite: code });
    expect(ok.status).toBe(201);
    const { user } = (await ok.json()) as { user: { id: number } };
    const row = await testEnv.DB.prepare('SELECT used_by, used_at FROM invites WHERE code_hash = ?1')
      .bind(await hashToken(code))
      .first<{ used_by: number; used_at: string }>();
    expect(row?.used_by).toBe(user.id);

    const reuse = await signupWith({ email: uniqueEmail('inv'), password, invite: code });
    expect(reuse.status).toBe(403);
  });
});
