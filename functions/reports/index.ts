/** Email reports for site owners (docs/reports.md): settings, preview, test mail, unsubscribe. */
export { reportRoutes } from './routes';
export { reportUnsubscribeRoutes } from './unsubscribe';
