/**
 * Report recipients in D1 (`report_recipients`, schema/d1/0010_reports.sql): who gets which
 * report of a site. Every statement binds its values.
 */
import { ApiError } from '../errors';
import type { Frequency } from './periods';

/** At most this many addresses per site, as Plausible allows for its email reports. */
export const MAX_RECIPIENTS = 10;

export interface RecipientRow {
  id: number;
  site_id: number;
  email: string;
  daily: number;
  weekly: number;
  monthly: number;
  created_at: number;
  updated_at: number;
}

export interface RecipientJson {
  email: string;
  daily: boolean;
  weekly: boolean;
  monthly: boolean;
}

export type Frequencies = Record<Frequency, boolean>;

export function recipientJson(row: RecipientRow): RecipientJson {
  return { email: row.email, daily: row.daily === 1, weekly: row.weekly === 1, monthly: row.monthly === 1 };
}

export async function listRecipients(db: D1Database, siteId: number): Promise<RecipientRow[]> {
  const result = await db
    .prepare('SELECT * FROM report_recipients WHERE site_id = ?1 ORDER BY email')
    .bind(siteId)
    .all<RecipientRow>();
  return result.results;
}

/**
 * Adds `email` to the site's recipients with `frequencies`, or changes the frequencies of an
 * address already there. A new address beyond `MAX_RECIPIENTS` is refused (409); the count and
 * the insert are one statement, so two concurrent adds cannot pass the limit together.
 */
export async function upsertRecipient(
  db: D1Database,
  siteId: number,
  email: string,
  frequencies: Frequencies,
  nowMs: number,
): Promise<RecipientRow> {
  const now = Math.floor(nowMs / 1000);
  const values = [frequencies.daily ? 1 : 0, frequencies.weekly ? 1 : 0, frequencies.monthly ? 1 : 0];
  const updated = await db
    .prepare(
      `UPDATE report_recipients SET daily = ?3, weekly = ?4, monthly = ?5, updated_at = ?6
        WHERE site_id = ?1 AND email = ?2 RETURNING *`,
    )
    .bind(siteId, email, ...values, now)
    .first<RecipientRow>();
  if (updated) return updated;
  const inserted = await db
    .prepare(
      `INSERT INTO report_recipients (site_id, email, daily, weekly, monthly, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6
        WHERE (SELECT count(*) FROM report_recipients WHERE site_id = ?1) < ?7
       ON CONFLICT (site_id, email) DO UPDATE SET daily = ?3, weekly = ?4, monthly = ?5, updated_at = ?6
       RETURNING *`,
    )
    .bind(siteId, email, ...values, now, MAX_RECIPIENTS)
    .first<RecipientRow>();
  if (!inserted) {
    throw new ApiError(
      409,
      'too_many_recipients',
      `A site can send reports to at most ${MAX_RECIPIENTS} addresses. Remove one first.`,
    );
  }
  return inserted;
}

/** Removes an address from the site's recipients; false when it was not there. */
export async function removeRecipient(db: D1Database, siteId: number, email: string): Promise<boolean> {
  const result = await db
    .prepare('DELETE FROM report_recipients WHERE site_id = ?1 AND email = ?2')
    .bind(siteId, email)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** A recipient with what the cron needs of its site, for every live site with a report turned on. */
export interface DueRecipient extends RecipientRow {
  domain: string;
  timezone: string;
}

export async function recipientsWithReports(db: D1Database): Promise<DueRecipient[]> {
  const result = await db
    .prepare(
      `SELECT r.*, s.domain AS domain, s.timezone AS timezone
         FROM report_recipients r JOIN sites s ON s.id = r.site_id
        WHERE s.deleted_at IS NULL AND (r.daily = 1 OR r.weekly = 1 OR r.monthly = 1)
        ORDER BY r.site_id, r.email`,
    )
    .all<DueRecipient>();
  return result.results;
}
