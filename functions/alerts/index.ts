/**
 * /api/sites/:id/alerts: a site's traffic and web-vitals alerts (functions/alerts/settings.ts) and
 * who gets them. Same doors as the other site settings (functions/sites): a signed-in session of
 * the site's billing profile, the CSRF header on changes, another tenant's site a 404. The job
 * that sends them is workers/jobs/site-alerts.ts; the recipients' unsubscribe link, unsubscribe.ts.
 */
import { Hono } from 'hono';
import { type AuthEnv, requireCsrf, requireSession } from '../auth/middleware';
import { siteInPath } from '../sites/in-path';
import { jsonObject } from '../sites/validate';
import { type AlertSettings, applyAlertChanges } from './settings';
import { loadAlertSettings, saveAlertSettings } from './store';

export { alertUnsubscribeRoutes } from './unsubscribe';

/** Mounted at `/api/sites/:id/alerts`. */
export const alertRoutes = new Hono<AuthEnv>();

alertRoutes.use('*', requireSession);

function alertsJson(settings: AlertSettings) {
  return { alerts: settings };
}

alertRoutes.get('/', async function getAlerts(c) {
  const site = await siteInPath(c);
  return c.json(alertsJson(await loadAlertSettings(c.env.DB, site.id)));
});

// Partial: what the body leaves out stays as it is; an invalid body changes nothing.
alertRoutes.patch('/', requireCsrf, async function updateAlerts(c) {
  const site = await siteInPath(c);
  const body = await jsonObject(c.req.raw);
  const next = applyAlertChanges(await loadAlertSettings(c.env.DB, site.id), body);
  await saveAlertSettings(c.env.DB, site.id, next, Date.now());
  return c.json(alertsJson(await loadAlertSettings(c.env.DB, site.id)));
});
