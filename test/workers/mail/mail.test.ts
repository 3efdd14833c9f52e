import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { passwordResetEmail } from '../../../functions/auth/emails';
import { mailerFor } from '../../../functions/mail';
import { OutboxMailer } from '../../../functions/mail/outbox';
import { MailDeliveryError, ProviderMailer } from '../../../functions/mail/provider';
import { app } from '../../../workers/app';
import { uniqueEmail } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A transport that records the request and answers like the provider would. */
function fakeProvider(
  status: number,
  answer: Record<string, unknown>,
): { fetch: typeof fetch; calls: Captured[] } {
  const calls: Captured[] = [];
  const transport = async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: JSON.parse(String(init?.body)) as Record<string, unknown>,
    });
    return Response.json(answer, { status });
  };
  return { fetch: transport as typeof fetch, calls };
}

async function outboxRow(to: string) {
  return testEnv.DB.prepare('SELECT * FROM email_outbox WHERE to_address = ?1 ORDER BY id DESC')
    .bind(to)
    .first<{
      text: string;
      html: string;
      kind: string;
      sent_at: string | null;
      provider_id: string | null;
      error: string | null;
    }>();
}

describe('ProviderMailer', () => {
  it('posts the message to the provider API and keeps only a redacted copy in D1', async () => {
    const provider = fakeProvider(200, { ErrorCode: 0, Message: 'OK', MessageID: 'msg-123' });
    const mailer = new ProviderMailer({
      url: 'https://api.postmarkapp.com/email',
      token: 'server-token-1',
      from: 'Edgebear <no-reply@edgebear.example>',
      db: testEnv.DB,
      fetch: provider.fetch,
    });
    const to = uniqueEmail('mail');
    const token = 'RESETtoken_abcdefghijklmnopqrstuvwxyz012345';
    await mailer.send(passwordResetEmail(to, 'https://app.example', token));

    expect(provider.calls).toHaveLength(1);
    const call = provider.calls[0] as Captured;
    expect(call.url).toBe('https://api.postmarkapp.com/email');
    expect(call.method).toBe('POST');
    expect(call.headers.get('x-postmark-server-token')).toBe('server-token-1');
    expect(call.headers.get('content-type')).toBe('application/json');
    expect(call.body).toMatchObject({
      From: 'Edgebear <no-reply@edgebear.example>',
      To: to,
      Subject: 'Reset your Edgebear password',
      Tag: 'reset',
      MessageStream: 'outbound',
    });
    expect(call.body.TextBody).toContain(`https://app.example/reset-password?token=${token}`);

    const row = await outboxRow(to);
    expect(row).toMatchObject({ kind: 'reset', provider_id: 'msg-123', error: null });
    expect(row?.sent_at).toBeTruthy();
    expect(row?.text).not.toContain(token);
    expect(row?.html).not.toContain(token);
    expect(row?.text).toContain('[redacted]');
  });

  it('sends one-click unsubscribe headers (RFC 8058) with a recurring mail, and none with account mail', async () => {
    const provider = fakeProvider(200, { ErrorCode: 0, MessageID: 'msg-9' });
    const mailer = new ProviderMailer({
      url: 'https://api.postmarkapp.com/email',
      token: 't',
      from: 'Edgebear <no-reply@edgebear.example>',
      db: testEnv.DB,
      fetch: provider.fetch,
    });
    const to = uniqueEmail('mail');
    const unsubscribeUrl = 'https://app.example/api/reports/unsubscribe?token=abc.def';
    await mailer.send({
      to,
      subject: 'Daily report',
      text: 't',
      html: '<p>t</p>',
      kind: 'report',
      unsubscribeUrl,
    });
    await mailer.send(passwordResetEmail(to, 'https://app.example', 'TOKEN_yyyyyyyyyy'));
    expect(provider.calls[0]?.body.Headers).toEqual([
      { Name: 'List-Unsubscribe', Value: `<${unsubscribeUrl}>` },
      { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
    ]);
    expect(provider.calls[1]?.body.Headers).toBeUndefined();
  });

  it('records a refused send with the provider’s error and throws', async () => {
    const provider = fakeProvider(422, { ErrorCode: 300, Message: 'Invalid email request' });
    const mailer = new ProviderMailer({
      url: 'https://mail.example/email',
      token: 't',
      from: 'x@example.com',
      db: testEnv.DB,
      fetch: provider.fetch,
    });
    const to = uniqueEmail('mail');
    await expect(
      mailer.send(passwordResetEmail(to, 'https://app.example', 'TOKEN_zzzzzzzzzz')),
    ).rejects.toThrow(MailDeliveryError);
    const row = await outboxRow(to);
    expect(row?.sent_at).toBeNull();
    expect(row?.error).toContain('Invalid email request');
    expect(row?.text).not.toContain('TOKEN_zzzzzzzzzz');
  });
});

describe('mailerFor', () => {
  it('uses the provider when MAIL_API_TOKEN is set, else the outbox; production without a token refuses', () => {
    expect(mailerFor({ ...testEnv, MAIL_API_TOKEN: 'x' })).toBeInstanceOf(ProviderMailer);
    expect(mailerFor({ ...testEnv, MAIL_API_TOKEN: undefined })).toBeInstanceOf(OutboxMailer);
    expect(() => mailerFor({ ...testEnv, MAIL_API_TOKEN: undefined, ENVIRONMENT: 'production' })).toThrow();
  });
});

describe('/dev/mail', () => {
  it('lists outbox messages and previews one with everything escaped and the HTML sandboxed', async () => {
    const to = uniqueEmail('dev');
    await new OutboxMailer(testEnv.DB).send({
      to,
      subject: 'Hello <script>alert(1)</script>',
      text: 'Plain <b>text</b>',
      html: '<p onclick="x()">Rich "quoted"</p><script>alert(2)</script>',
      kind: 'test',
    });
    const list = await workerFetch('/dev/mail');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toContain('text/html');
    const listHtml = await list.text();
    expect(listHtml).toContain('Hello &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(listHtml).not.toContain('<script>');
    const id = /href="\/dev\/mail\/(\d+)">Hello &lt;script/.exec(listHtml)?.[1];
    expect(id).toBeDefined();

    const preview = await workerFetch(`/dev/mail/${id}`);
    const html = await preview.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('<iframe sandbox=""');
    expect(html).toContain(
      'srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Rich &quot;quoted&quot;&lt;/p&gt;&lt;script&gt;',
    );
    expect(html).toContain('Plain &lt;b&gt;text&lt;/b&gt;');
    expect(preview.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await workerFetch('/dev/mail/999999999')).status).toBe(404);
  });

  it('does not exist in production', async () => {
    const env = { ...testEnv, ENVIRONMENT: 'production' };
    for (const path of ['/dev/mail', '/dev/mail/1']) {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`http://edgebear.test${path}`), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(404);
    }
  });
});
