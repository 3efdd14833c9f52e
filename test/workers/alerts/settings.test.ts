import { describe, expect, it } from 'vitest';
import type { AlertSettings } from '../../../functions/alerts/settings';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp } from '../helpers/accounts';
import { type Caller, call, uniqueDomain } from '../sites/client';

type AlertsBody = { alerts: AlertSettings };

async function newSite(as: Caller): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('POST', '/api/sites', {
    as,
    body: { domain: uniqueDomain('alerts'), timezone: 'Europe/Berlin' },
  });
  expect(res.status).toBe(201);
  return res.body.site;
}

const OFF: AlertSettings = {
  spike: { enabled: false, threshold: 10 },
  drop: { enabled: false, ratio: 0.5 },
  vitals: { enabled: false },
  recipients: [],
};

describe('/api/sites/:id/alerts: who may call', () => {
  it('answers 401 without a session, 404 for another account’s site, 403 without the CSRF header', async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/alerts`;
    const change = { spike: { enabled: true }, recipients: ['a@example.com'] };

    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', change],
    ] as const) {
      const anonymous = await call(method, path, { body });
      expect(anonymous.status, `${method} anonymous`).toBe(401);
      const other = await call(method, path, { as: stranger, body });
      expect(other.status, `${method} stranger`).toBe(404);
      expect(other.body.error?.code).toBe('not_found');
    }
    const noCsrf = await call('PATCH', path, { as: owner, body: change, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error?.code).toBe('csrf');
    expect((await call('GET', '/api/sites/999999999/alerts', { as: owner })).status).toBe(404);

    // None of that changed anything.
    const now = await call<AlertsBody>('GET', path, { as: owner });
    expect(now.body.alerts).toEqual(OFF);
  });
});

describe('/api/sites/:id/alerts: settings and recipients', () => {
  it('starts with every alert off and stores a change, keeping what the body leaves out', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/alerts`;
    expect((await call<AlertsBody>('GET', path, { as: owner })).body.alerts).toEqual(OFF);

    const first = await call<AlertsBody>('PATCH', path, {
      as: owner,
      body: {
        spike: { enabled: true, threshold: 250 },
        recipients: [' Ann@Example.com ', 'bob@example.org', 'ann@example.com'],
      },
    });
    expect(first.status).toBe(200);
    expect(first.body.alerts).toEqual({
      ...OFF,
      spike: { enabled: true, threshold: 250 },
      recipients: ['ann@example.com', 'bob@example.org'],
    });

    const second = await call<AlertsBody>('PATCH', path, {
      as: owner,
      body: { drop: { enabled: true, ratio: 0.3 }, vitals: { enabled: true } },
    });
    expect(second.body.alerts).toEqual({
      spike: { enabled: true, threshold: 250 },
      drop: { enabled: true, ratio: 0.3 },
      vitals: { enabled: true },
      recipients: ['ann@example.com', 'bob@example.org'],
    });
    const read = await call<AlertsBody>('GET', path, { as: owner });
    expect(read.body.alerts).toEqual(second.body.alerts);

    // The recipient list is replaced as given.
    const third = await call<AlertsBody>('PATCH', path, {
      as: owner,
      body: { recipients: ['carol@example.net', 'bob@example.org'] },
    });
    expect(third.body.alerts.recipients.sort()).toEqual(['bob@example.org', 'carol@example.net']);
  });

  it('refuses bad input with a 400 that names the field, and changes nothing', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/alerts`;
    const good = {
      spike: { enabled: true, threshold: 40 },
      drop: { enabled: true, ratio: 0.5 },
      vitals: { enabled: false },
      recipients: ['owner@example.com'],
    };
    expect((await call('PATCH', path, { as: owner, body: good })).status).toBe(200);

    const eleven = Array.from({ length: 11 }, (_, i) => `r${i}@example.com`);
    const cases: [unknown, string][] = [
      [{ spike: { threshold: 0 } }, 'invalid_spike'],
      [{ spike: { threshold: 2.5 } }, 'invalid_spike'],
      [{ spike: { threshold: '50' } }, 'invalid_spike'],
      [{ spike: { enabled: 'yes' } }, 'invalid_spike'],
      [{ spike: { enabled: true, limit: 5 } }, 'invalid_spike'],
      [{ spike: true }, 'invalid_spike'],
      [{ drop: { ratio: 0 } }, 'invalid_drop'],
      [{ drop: { ratio: 1.5 } }, 'invalid_drop'],
      [{ drop: { ratio: null } }, 'invalid_drop'],
      [{ vitals: { enabled: 1 } }, 'invalid_vitals'],
      [{ recipients: 'owner@example.com' }, 'invalid_recipients'],
      [{ recipients: ['not an address'] }, 'invalid_recipients'],
      [{ recipients: [42] }, 'invalid_recipients'],
      [{ recipients: eleven }, 'invalid_recipients'],
      // Alerts are on: somebody has to get them.
      [{ recipients: [] }, 'no_recipients'],
      [{ weekly: true }, 'unknown_field'],
      // A valid part does not go through with an invalid one.
      [{ spike: { threshold: 5 }, recipients: ['x'] }, 'invalid_recipients'],
      ['[1, 2]', 'invalid_json'],
      ['{"spike":', 'invalid_json'],
    ];
    for (const [body, code] of cases) {
      const res = await call('PATCH', path, { as: owner, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error?.code, JSON.stringify(body)).toBe(code);
      expect(res.body.error?.message.length).toBeGreaterThan(10);
    }
    const after = await call<AlertsBody>('GET', path, { as: owner });
    expect(after.body.alerts).toEqual(good);
  });

  it('needs a recipient before an alert can be turned on', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/alerts`;
    const res = await call('PATCH', path, { as: owner, body: { vitals: { enabled: true } } });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('no_recipients');
    expect((await call<AlertsBody>('GET', path, { as: owner })).body.alerts).toEqual(OFF);
  });
});
