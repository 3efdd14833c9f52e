/** Alert settings and recipients in D1 (schema/d1/0011_alerts.sql). Bound parameters only. */
import { type AlertSettings, defaultAlertSettings, MAX_ALERT_RECIPIENTS } from './settings';

interface SettingsRow {
  spike_enabled: number;
  spike_threshold: number;
  drop_enabled: number;
  drop_ratio: number;
  vitals_enabled: number;
}

function fromRow(row: SettingsRow | null, recipients: string[]): AlertSettings {
  const settings = defaultAlertSettings();
  if (row) {
    settings.spike = { enabled: row.spike_enabled === 1, threshold: row.spike_threshold };
    settings.drop = { enabled: row.drop_enabled === 1, ratio: row.drop_ratio };
    settings.vitals = { enabled: row.vitals_enabled === 1 };
  }
  settings.recipients = recipients;
  return settings;
}

/** A site's settings; the defaults (everything off) when it has none. */
export async function loadAlertSettings(db: D1Database, siteId: number): Promise<AlertSettings> {
  const [settings, recipients] = await db.batch<SettingsRow | { email: string }>([
    db.prepare('SELECT * FROM site_alerts WHERE site_id = ?1').bind(siteId),
    db
      .prepare('SELECT email FROM site_alert_recipients WHERE site_id = ?1 ORDER BY created_at, rowid')
      .bind(siteId),
  ]);
  const row = (settings?.results[0] as SettingsRow | undefined) ?? null;
  const emails = ((recipients?.results ?? []) as { email: string }[]).map((r) => r.email);
  return fromRow(row, emails);
}

/**
 * Stores `settings` whole, in one transaction (a D1 batch): the row, and the recipient list
 * replaced. Recipients already on the list keep their row (and their place).
 */
export async function saveAlertSettings(
  db: D1Database,
  siteId: number,
  settings: AlertSettings,
  nowMs: number,
): Promise<void> {
  const now = Math.floor(nowMs / 1000);
  const keep = settings.recipients.slice(0, MAX_ALERT_RECIPIENTS);
  const statements = [
    db
      .prepare(
        `INSERT INTO site_alerts (site_id, spike_enabled, spike_threshold, drop_enabled, drop_ratio, vitals_enabled, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (site_id) DO UPDATE SET spike_enabled = ?2, spike_threshold = ?3, drop_enabled = ?4,
           drop_ratio = ?5, vitals_enabled = ?6, updated_at = ?7`,
      )
      .bind(
        siteId,
        settings.spike.enabled ? 1 : 0,
        settings.spike.threshold,
        settings.drop.enabled ? 1 : 0,
        settings.drop.ratio,
        settings.vitals.enabled ? 1 : 0,
        now,
      ),
    db
      .prepare(
        'DELETE FROM site_alert_recipients WHERE site_id = ?1 AND NOT (email IN (SELECT value FROM json_each(?2)))',
      )
      .bind(siteId, JSON.stringify(keep)),
    ...keep.map((email) =>
      db
        .prepare(
          'INSERT INTO site_alert_recipients (site_id, email, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING',
        )
        .bind(siteId, email, now),
    ),
  ];
  await db.batch(statements);
}

/** Takes `email` off a site's alert recipients (the unsubscribe link); false when it was not on. */
export async function removeAlertRecipient(db: D1Database, siteId: number, email: string): Promise<boolean> {
  const result = await db
    .prepare('DELETE FROM site_alert_recipients WHERE site_id = ?1 AND email = ?2')
    .bind(siteId, email)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** A live site with at least one alert on and someone to tell, as the cron job reads it. */
export interface AlertingSite {
  id: number;
  domain: string;
  timezone: string;
  settings: AlertSettings;
}

interface AlertingRow extends SettingsRow {
  id: number;
  domain: string;
  timezone: string;
  recipients: string;
}

/** Every live site with an alert on and a recipient; `after` pages by site id. */
export async function alertingSites(db: D1Database, after = 0, limit = 500): Promise<AlertingSite[]> {
  const found = await db
    .prepare(
      `SELECT s.id, s.domain, s.timezone, a.spike_enabled, a.spike_threshold, a.drop_enabled, a.drop_ratio,
              a.vitals_enabled,
              (SELECT json_group_array(email) FROM site_alert_recipients r WHERE r.site_id = s.id) AS recipients
         FROM site_alerts a JOIN sites s ON s.id = a.site_id
        WHERE s.deleted_at IS NULL AND s.id > ?1
          AND (a.spike_enabled = 1 OR a.drop_enabled = 1 OR a.vitals_enabled = 1)
          AND EXISTS (SELECT 1 FROM site_alert_recipients r WHERE r.site_id = s.id)
        ORDER BY s.id LIMIT ?2`,
    )
    .bind(after, limit)
    .all<AlertingRow>();
  return found.results.map((row) => {
    const parsed: unknown = JSON.parse(row.recipients);
    const emails = Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string') : [];
    return {
      id: row.id,
      domain: row.domain,
      timezone: row.timezone || 'UTC',
      settings: fromRow(row, emails),
    };
  });
}
