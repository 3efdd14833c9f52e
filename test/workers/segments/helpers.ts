import { expect } from 'vitest';
import type { SegmentJson } from '../../../functions/segments/store';
import type { SiteJson } from '../../../functions/sites/store';
import type { TestAccount } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { type Caller, call, uniqueDomain } from '../sites/client';

export type SegmentBody = { segment: SegmentJson };
export type SegmentList = { segments: SegmentJson[] };

export async function newSite(as: Caller): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('POST', '/api/sites', {
    as,
    body: { domain: uniqueDomain('segments'), timezone: 'Europe/Berlin' },
  });
  expect(res.status).toBe(201);
  return res.body.site;
}

/** Saves a segment through the API, as the dashboard does. */
export async function saveSegment(
  as: Caller,
  siteId: number,
  body: { name: string; scope: 'personal' | 'site'; filters: unknown[] },
): Promise<SegmentJson> {
  const res = await call<SegmentBody>('POST', `/api/sites/${siteId}/segments`, { as, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.segment;
}

/**
 * Hands `owner`'s billing profile (and so its sites) to `member`, and `member`'s to `owner`; `back`
 * undoes it. That is how a second person gets access to a site until teams exist. The session finds
 * its billing profile on every request, so both sessions see the change at once.
 */
export async function handOver(owner: TestAccount, member: TestAccount, back = false): Promise<void> {
  const [a, b] = back ? [owner, member] : [member, owner];
  await testEnv.DB.batch([
    testEnv.DB.prepare('UPDATE billing_profiles SET owner_user_id = ?1 WHERE id = ?2').bind(
      a.userId,
      owner.billingProfileId,
    ),
    testEnv.DB.prepare('UPDATE billing_profiles SET owner_user_id = ?1 WHERE id = ?2').bind(
      b.userId,
      member.billingProfileId,
    ),
  ]);
}

export async function storedRows(siteId: number): Promise<number> {
  const row = await testEnv.DB.prepare('SELECT count(*) AS n FROM site_segments WHERE site_id = ?1')
    .bind(siteId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
