/**
 * `/api/sites/:id/reports`: a site's email report recipients, the preview of a report and the
 * "send me a test report" button. Same doors as the other site settings (functions/sites): a
 * signed-in session, the CSRF header on changes, and the site must belong to the caller's billing
 * profile (another account's site is a 404, like a missing one).
 */
import { Hono } from 'hono';
import { configOf } from '../../workers/config';
import { emailField } from '../auth/guards';
import { type AuthEnv, requireCsrf, requireSession, requireVerifiedEmail } from '../auth/middleware';
import { attemptLimiter, tooManyAttempts } from '../auth/rate-limit';
import { ApiError } from '../errors';
import { mailerFor } from '../mail';
import { siteInPath } from '../sites/in-path';
import type { SiteRow } from '../sites/store';
import { jsonObject, parseBoolean } from '../sites/validate';
import { localDay } from '../stats/dates';
import { reportData, reportExecutors, reportSite } from './data';
import { renderFor, reportMessage } from './mail';
import { type Frequency, lastCompletePeriod } from './periods';
import { listRecipients, MAX_RECIPIENTS, recipientJson, removeRecipient, upsertRecipient } from './store';

const PERIODS: Record<string, Frequency> = { day: 'daily', week: 'weekly', month: 'monthly' };

function frequencyParam(value: unknown): Frequency {
  const frequency = typeof value === 'string' ? PERIODS[value] : undefined;
  if (!frequency) throw new ApiError(400, 'invalid_period', 'period must be "day", "week" or "month"');
  return frequency;
}

/** The report of the site's last complete period of `frequency`, as the cron would send it now. */
async function reportOf(
  env: AuthEnv['Bindings'],
  row: SiteRow,
  frequency: Frequency,
  nowMs: number,
  signal: AbortSignal,
) {
  const readable = await reportSite(env.DB, row);
  const period = lastCompletePeriod(frequency, localDay(nowMs, readable.timezone));
  return reportData(reportExecutors(env, signal), readable, period, nowMs);
}

/**
 * The preview and the test mail show the page as a sandboxed document: no scripts, no requests,
 * styles inline (as in the mail).
 */
const PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; sandbox";

export const reportRoutes = new Hono<AuthEnv>();

reportRoutes.get('/api/sites/:id/reports', requireSession, async (c) => {
  const row = await siteInPath(c);
  const recipients = await listRecipients(c.env.DB, row.id);
  return c.json({ recipients: recipients.map(recipientJson), max_recipients: MAX_RECIPIENTS });
});

/**
 * Adds a recipient or changes its frequencies: `{ email, daily?, weekly?, monthly? }`. A frequency
 * left out keeps its value (false for a new address). Needs a verified address, like adding a site:
 * reports go to any address the admin types, so an account nobody reads must not send them.
 */
reportRoutes.post('/api/sites/:id/reports', requireSession, requireCsrf, requireVerifiedEmail, async (c) => {
  const row = await siteInPath(c);
  const body = await jsonObject(c.req.raw);
  const unknown = Object.keys(body).filter((k) => !['email', 'daily', 'weekly', 'monthly'].includes(k));
  if (unknown.length > 0) {
    throw new ApiError(
      400,
      'unknown_field',
      `unknown field ${unknown[0]}; known: email, daily, weekly, monthly`,
    );
  }
  const email = emailField(body);
  const existing = (await listRecipients(c.env.DB, row.id)).find((r) => r.email === email);
  const flag = (name: Frequency) =>
    name in body ? parseBoolean(body[name], name) : existing ? existing[name] === 1 : false;
  const saved = await upsertRecipient(
    c.env.DB,
    row.id,
    email,
    { daily: flag('daily'), weekly: flag('weekly'), monthly: flag('monthly') },
    Date.now(),
  );
  return c.json({ recipient: recipientJson(saved) }, existing ? 200 : 201);
});

reportRoutes.delete('/api/sites/:id/reports', requireSession, requireCsrf, async (c) => {
  const row = await siteInPath(c);
  const email = emailField({ email: c.req.query('email') ?? '' });
  if (!(await removeRecipient(c.env.DB, row.id, email))) {
    throw new ApiError(404, 'not_found', 'no such recipient');
  }
  return c.json({ removed: { email } });
});

/** The HTML of the report of the last complete day, week or month, as a recipient would get it. */
reportRoutes.get('/api/sites/:id/reports/preview', requireSession, async (c) => {
  const row = await siteInPath(c);
  const frequency = frequencyParam(c.req.query('period') ?? 'day');
  const data = await reportOf(c.env, row, frequency, Date.now(), c.req.raw.signal);
  const rendered = await renderFor(c.env, data, c.get('account').email);
  c.header('Content-Security-Policy', PREVIEW_CSP);
  return c.html(rendered.html);
});

/**
 * Sends the report of the last complete period to the signed-in user's own address now, marked
 * `[Test]`, outside the ledger. Limited per user (`REPORT_TEST_RATE_LIMIT`, default 5 an hour),
 * failing closed: each call sends a mail.
 */
reportRoutes.post('/api/sites/:id/reports/test', requireSession, requireCsrf, async (c) => {
  const row = await siteInPath(c);
  const body = await jsonObject(c.req.raw);
  const frequency = frequencyParam(body.period ?? 'day');
  const account = c.get('account');
  const rule = configOf(c.env).reportTestRateLimit;
  const result = await attemptLimiter(c.env, 'report-test', rule).check(`user:${account.userId}`);
  if (!result.allowed) throw tooManyAttempts(c, result.retryAfterSeconds, 'Too many test reports.');
  const data = await reportOf(c.env, row, frequency, Date.now(), c.req.raw.signal);
  await mailerFor(c.env).send(await reportMessage(c.env, data, account.email, { test: true }));
  return c.json(
    { sent: { to: account.email, period: { from: data.period.firstDay, to: data.period.lastDay } } },
    202,
  );
});
