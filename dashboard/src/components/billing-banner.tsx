/**
 * The banner the sites list and the site dashboard show while the account is over its event
 * limit (grace or over): why, what happens next, and a link to the usage page to fix it.
 */
import { type Billing, get } from '../api';
import { useAsync } from '../hooks';
import { billingNotice } from '../lib/billing';
import { Link } from './ui';

export function BillingBanner() {
  const state = useAsync(() => get<Billing>('/api/billing'), 'billing');
  // Without an answer there is nothing to say: the page itself must not fail over a banner.
  const notice = state.data ? billingNotice(state.data) : null;
  if (!state.data || !notice) return null;
  return (
    <aside class={`billing-banner ${state.data.state}`} aria-labelledby="billing-banner-title">
      <div>
        <h2 id="billing-banner-title">{notice.title}</h2>
        <p>{notice.text}</p>
      </div>
      <Link href="/billing" class="button primary">
        {state.data.is_owner ? 'Upgrade your plan' : 'See usage'}
      </Link>
    </aside>
  );
}
