/** `/api/reports/unsubscribe?token=…`: the link in every report's footer (functions/mail/unsubscribe.ts). */
import { type MailingList, unsubscribeRoutes } from '../mail/unsubscribe';
import { removeRecipient } from './store';

export const REPORTS_LIST: MailingList = {
  path: '/api/reports/unsubscribe',
  purpose: 'report-unsubscribe',
  what: 'reports',
  // Every frequency of the address for that site.
  remove: removeRecipient,
};

export const reportUnsubscribeRoutes = unsubscribeRoutes(REPORTS_LIST);
