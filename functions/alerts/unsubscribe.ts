/** `/api/alerts/unsubscribe?token=…`: the link in every alert mail (functions/mail/unsubscribe.ts). */
import type { Env } from '../../workers/env';
import { unsubscribeUrl as listUrl, type MailingList, unsubscribeRoutes } from '../mail/unsubscribe';
import { removeAlertRecipient } from './store';

export const ALERTS_LIST: MailingList = {
  path: '/api/alerts/unsubscribe',
  purpose: 'alerts_unsubscribe',
  what: 'alerts',
  remove: removeAlertRecipient,
};

/** The link for `email` to stop the alerts of one site. */
export function unsubscribeUrl(env: Env, siteId: number, email: string): Promise<string> {
  return listUrl(env, ALERTS_LIST, siteId, email);
}

export const alertUnsubscribeRoutes = unsubscribeRoutes(ALERTS_LIST);
