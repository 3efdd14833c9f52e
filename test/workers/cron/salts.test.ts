import { createScheduledController } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runScheduled } from '../../../workers/cron/scheduled';
import { SaltCache } from '../../../workers/ingest/salts';
import { saltDay, visitorId } from '../../../workers/ingest/visitor';
import { testEnv } from '../helpers/stack';

const DAY = 86_400_000;

describe('daily salts and visitor ids', () => {
  it('keeps a visitor id stable within a day and changes it across days', async () => {
    const cache = new SaltCache(testEnv.DB);
    const morning = Date.parse('2031-03-04T08:00:00Z');
    const evening = Date.parse('2031-03-04T23:59:00Z');
    const nextDay = Date.parse('2031-03-05T00:01:00Z');
    const ua = 'Mozilla/5.0 (Macintosh) Safari/605.1.15';
    const a = await visitorId(await cache.keyFor(morning), 1, '192.0.2.1', ua);
    const b = await visitorId(await cache.keyFor(evening), 1, '192.0.2.1', ua);
    const c = await visitorId(await cache.keyFor(nextDay), 1, '192.0.2.1', ua);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('gives the same person different ids on different sites and different people different ids', async () => {
    const key = await new SaltCache(testEnv.DB).keyFor(Date.parse('2031-03-06T10:00:00Z'));
    const ua = 'Mozilla/5.0 (Macintosh) Safari/605.1.15';
    const one = await visitorId(key, 1, '192.0.2.1', ua);
    expect(await visitorId(key, 2, '192.0.2.1', ua)).not.toBe(one);
    expect(await visitorId(key, 1, '192.0.2.2', ua)).not.toBe(one);
    expect(await visitorId(key, 1, '192.0.2.1', `${ua} Chrome`)).not.toBe(one);
  });

  it('the cron creates today and tomorrow and deletes salts older than 48 hours', async () => {
    const now = Date.parse('2031-07-10T00:05:00Z');
    for (const daysAgo of [5, 3, 2, 1]) {
      await testEnv.DB.prepare('INSERT OR IGNORE INTO salts (day, salt, created_at) VALUES (?1, ?2, ?3)')
        .bind(saltDay(now - daysAgo * DAY), 'ab'.repeat(32), 0)
        .run();
    }
    await runScheduled(createScheduledController({ cron: '5 0 * * *', scheduledTime: now }), testEnv);
    const days = await testEnv.DB.prepare('SELECT day FROM salts WHERE day BETWEEN ?1 AND ?2 ORDER BY day')
      .bind(saltDay(now - 10 * DAY), saltDay(now + 10 * DAY))
      .all<{ day: string }>();
    // 2031-07-08 began 48 h 5 min ago: gone. Yesterday (07-09) stays until 2031-07-11 00:00.
    expect(days.results.map((r) => r.day)).toEqual(['2031-07-09', '2031-07-10', '2031-07-11']);
    const run = await testEnv.DB.prepare(
      "SELECT status AS last_status FROM job_runs WHERE job = 'salts' ORDER BY started_at DESC LIMIT 1",
    ).first<{
      last_status: string;
    }>();
    expect(run?.last_status).toBe('ok');
  });
});
