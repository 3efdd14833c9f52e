/**
 * One report mail for one recipient: its links (the dashboard for the period, the signed
 * unsubscribe link, the settings page) and the rendered message. The cron, the "send me a test
 * report" button and the preview all build reports here.
 */
import type { Env } from '../../workers/env';
import type { MailMessage } from '../mail';
import { unsubscribeUrl as listUrl } from '../mail/unsubscribe';
import { appUrl } from '../sites/store';
import type { ReportData } from './data';
import { type RenderedReport, type ReportLinks, renderReport } from './render';
import { REPORTS_LIST } from './unsubscribe';

/** The purpose the unsubscribe token is signed for (functions/mail/signed-link.ts). */
export const UNSUBSCRIBE_PURPOSE = REPORTS_LIST.purpose;

/** The dashboard of the site for exactly the report's days (dashboard/src/lib/date-range.ts). */
export function dashboardUrl(env: Env, data: ReportData): string {
  const params = new URLSearchParams({
    period: 'custom',
    from: data.period.firstDay,
    to: data.period.lastDay,
  });
  return `${appUrl(env)}/sites/${data.site.id}?${params}`;
}

/** The link that stops `email`'s reports of `siteId`, without signing in. */
export function unsubscribeUrl(env: Env, siteId: number, email: string): Promise<string> {
  return listUrl(env, REPORTS_LIST, siteId, email);
}

export async function reportLinks(env: Env, data: ReportData, email: string): Promise<ReportLinks> {
  return {
    dashboard: dashboardUrl(env, data),
    unsubscribe: await unsubscribeUrl(env, data.site.id, email),
    settings: `${appUrl(env)}/sites/${data.site.id}/settings`,
  };
}

export async function renderFor(env: Env, data: ReportData, email: string): Promise<RenderedReport> {
  return renderReport(data, await reportLinks(env, data, email));
}

/** The report mail to `email` (kind 'report'), `[Test]` in the subject for the button's copy. */
export async function reportMessage(
  env: Env,
  data: ReportData,
  email: string,
  options: { test?: boolean } = {},
): Promise<MailMessage> {
  const links = await reportLinks(env, data, email);
  const rendered = renderReport(data, links);
  return {
    to: email,
    subject: options.test ? `[Test] ${rendered.subject}` : rendered.subject,
    text: rendered.text,
    html: rendered.html,
    kind: 'report',
    unsubscribeUrl: links.unsubscribe,
  };
}
