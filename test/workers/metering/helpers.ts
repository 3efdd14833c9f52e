import type { UsagePeriodRow } from '../../../workers/billing/store';
/**
 * Billing profiles, their sites and their events, written straight into D1 and ClickHouse, so the
 * metering and quota tests control periods, limits and event times exactly.
 */

import { clickhouse } from '../../../workers/clickhouse/client';
import type { EventKind, EventRecord } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { testEnv } from '../helpers/stack';

let counter = 0;

function unique(): string {
  counter++;
  return `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export interface TestProfile {
  id: number;
  email: string;
}

/**
 * A user and their billing profile. `period` sets a Stripe-like period (unix seconds); without it
 * the profile meters calendar months. `limit` is the operator's override of the plan's events.
 */
export async function createProfile(
  options: { limit?: number; period?: { start: number; end: number }; plan?: string } = {},
): Promise<TestProfile> {
  const email = `billing-${unique()}@example.com`;
  const user = await testEnv.DB.prepare(
    `INSERT INTO users (email, password_hash, password_salt, password_iterations, email_verified_at)
     VALUES (?1, 'x', 'x', 1, '2026-01-01T00:00:00.000Z') RETURNING id`,
  )
    .bind(email)
    .first<{ id: number }>();
  if (!user) throw new Error('user insert returned nothing');
  const profile = await testEnv.DB.prepare(
    `INSERT INTO billing_profiles (owner_user_id, plan_code, custom_monthly_events, period_start, period_end)
     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id`,
  )
    .bind(
      user.id,
      options.plan ?? 'free',
      options.limit ?? null,
      options.period?.start ?? null,
      options.period?.end ?? null,
    )
    .first<{ id: number }>();
  if (!profile) throw new Error('profile insert returned nothing');
  return { id: profile.id, email };
}

/** A site of the profile; `deleted` soft-deletes it (renamed, delete_after in the future). */
export async function createProfileSite(
  profileId: number,
  options: { deleted?: boolean } = {},
): Promise<{ id: number; domain: string }> {
  const domain = `metered-${unique()}.example`;
  const row = await testEnv.DB.prepare(
    `INSERT INTO sites (domain, public_key, billing_profile_id, deleted_at, delete_after)
     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id`,
  )
    .bind(
      options.deleted ? `${domain}#deleted` : domain,
      `key-${unique()}`,
      profileId,
      options.deleted ? '2026-01-01T00:00:00.000Z' : null,
      options.deleted ? 4_000_000_000 : null,
    )
    .first<{ id: number }>();
  if (!row) throw new Error('site insert returned nothing');
  return { id: row.id, domain };
}

/** `n` events of `kind` for a site at `timestamp` (unix seconds), written straight into ClickHouse. */
export async function insertSiteEvents(
  siteId: number,
  timestamp: number,
  n: number,
  kind: EventKind = 'pageview',
): Promise<void> {
  const rows: EventRecord[] = Array.from({ length: n }, (_, i) => ({
    ...blankEvent(),
    site_id: siteId,
    timestamp,
    kind,
    name: kind === 'custom' ? 'Signup' : kind,
    visitor_id: String(1_000 + i),
    session_id: String(2_000 + i),
  }));
  await clickhouse(testEnv).insert({
    table: 'events',
    values: rows,
    format: 'JSONEachRow',
    clickhouse_settings: { async_insert: 0 },
  });
}

/** A `usage_periods` row as the tests read it (the store's row without the profile id). */
export type StoredPeriod = Omit<UsagePeriodRow, 'billing_profile_id'>;

/** The profile's usage rows, oldest period first. */
export async function storedPeriods(profileId: number): Promise<StoredPeriod[]> {
  const { results } = await testEnv.DB.prepare(
    `SELECT period_start, period_end, events, over_events, limit_events, state, warned_at, depleted_at,
            grace_ends_at
       FROM usage_periods WHERE billing_profile_id = ?1 ORDER BY period_start`,
  )
    .bind(profileId)
    .all<StoredPeriod>();
  return results;
}

/** Mails of `kind` in the D1 outbox to `to`. */
export async function mailsTo(to: string, kind: string): Promise<{ subject: string; text: string }[]> {
  const { results } = await testEnv.DB.prepare(
    'SELECT subject, text FROM email_outbox WHERE to_address = ?1 AND kind = ?2 ORDER BY id',
  )
    .bind(to, kind)
    .all<{ subject: string; text: string }>();
  return results;
}

export const DAY = 86_400;
