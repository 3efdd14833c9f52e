/**
 * Usage and billing (/billing): this period's events against the limit, by day, the plan and its
 * subscription, and the ways to change it: Upgrade goes through Stripe Checkout, Manage billing
 * through the Billing Portal. Checkout comes back to `/billing?checkout=success`, possibly before
 * Stripe's webhook has changed the plan, so the page asks again for a little while.
 */
import { useEffect, useState } from 'preact/hooks';
import { type Billing, get, type PlanOffer, post, type Site } from '../api';
import { Chart } from '../components/chart';
import { Empty, ErrorMessage, Loading } from '../components/ui';
import { useAsync } from '../hooks';
import {
  billingNotice,
  formatDay,
  formatLastDay,
  formatMoment,
  formatPrice,
  hasLiveSubscription,
  isPaidAndLive,
  meterFill,
  periodDays,
  planName,
  stateLabel,
  statusLabel,
  sumByDay,
  type UpgradeOffer,
  upgradeOffers,
} from '../lib/billing';
import { formatExact, formatNumber } from '../lib/format';
import { labelToSeconds } from '../lib/series';
import { navigate } from '../router';
import { query } from '../stats';

/** After Checkout: how often and how long to ask whether the webhook has changed the plan. */
const POLL_MS = 1_500;
const MAX_POLLS = 12;

const INTERVAL_WORDS = { month: 'monthly', year: 'yearly' } as const;

/** Events per day of the period, over every site of the account (the Stats API, per site). */
async function loadDaily(billing: Billing): Promise<{ x: number[]; values: number[]; sites: number }> {
  const { sites } = await get<{ sites: Site[] }>('/api/sites');
  const now = Date.now();
  const answers = await Promise.all(
    sites.map((site) =>
      query(
        { domain: site.domain },
        {
          metrics: ['events'],
          date_range: periodDays(billing, site.timezone, now),
          dimensions: ['time:day'],
          include: { time_labels: true },
        },
      ),
    ),
  );
  const summed = sumByDay(answers.map((a) => ({ labels: a.meta.time_labels, rows: a.results })));
  return { x: summed.labels.map(labelToSeconds), values: summed.values, sites: sites.length };
}

function DailyChart({ billing }: { billing: Billing }) {
  const state = useAsync(() => loadDaily(billing), `${billing.period_start}:${billing.period_end}`);
  let body: preact.ComponentChildren;
  if (state.error) body = <ErrorMessage error={state.error} />;
  else if (!state.data) body = <Loading />;
  else if (state.data.sites === 0)
    body = <Empty>No sites yet: events show up here once a site sends some.</Empty>;
  else
    body = (
      <Chart
        x={state.data.x}
        series={[{ label: 'Events', values: state.data.values, color: '--accent' }]}
        stacked
        height={220}
        format={formatNumber}
        label={`Events per day this period, ${formatExact(state.data.values.reduce((a, b) => a + b, 0))} in all`}
      />
    );
  return (
    <section class="card chart-card" aria-labelledby="daily-title" aria-busy={state.loading}>
      <h2 id="daily-title">Events per day</h2>
      <p class="hint">
        Pageviews and custom events, all sites, each in its own time zone. The meter above is updated every 15
        minutes.
      </p>
      {body}
    </section>
  );
}

function UsageCard({ billing }: { billing: Billing }) {
  const { usage, state } = billing;
  const notice = billingNotice(billing);
  return (
    <section class="card usage-card" aria-labelledby="usage-title" data-state={state}>
      <div class="usage-head">
        <h2 id="usage-title">This period</h2>
        <span class="hint">
          {formatDay(billing.period_start)} – {formatLastDay(billing.period_end)} (UTC)
        </span>
        <span class={`state-badge ${state}`} data-testid="usage-state">
          {stateLabel(state)}
        </span>
      </div>
      <p class="usage-figure">
        <strong data-testid="usage-events">{formatExact(usage.events)}</strong> of{' '}
        <strong>{formatExact(usage.limit)}</strong> events
        <span class="hint"> · {usage.percent}%</span>
      </p>
      {/* The native meter is what assistive technology reads; the bar beside it is drawn for the eye. */}
      <meter
        class="visually-hidden"
        aria-label="Events this period"
        min={0}
        max={usage.limit}
        value={usage.events}
        low={usage.limit * 0.8}
        high={usage.limit}
        optimum={0}
      >
        {usage.percent}%
      </meter>
      <div class="meter" aria-hidden="true">
        <span class="meter-fill" style={{ width: `${meterFill(usage.percent)}%` }} />
        <span class="meter-mark" />
      </div>
      <dl class="facts">
        {billing.grace_ends_at ? (
          <>
            <dt>{state === 'over' ? 'Grace period ended' : 'Grace period ends'}</dt>
            <dd data-testid="grace-ends">{formatMoment(billing.grace_ends_at)}</dd>
          </>
        ) : null}
        {state === 'over' || usage.over_events > 0 ? (
          <>
            <dt>Events not recorded</dt>
            <dd data-testid="over-events">{formatExact(usage.over_events)}</dd>
          </>
        ) : null}
        <dt>Next period starts</dt>
        <dd>{formatDay(billing.period_end)}</dd>
      </dl>
      {notice ? (
        <p class="notice warn" role="status">
          <strong>{notice.title}.</strong> {notice.text}
        </p>
      ) : state === 'warning' ? (
        <p class="notice" role="status">
          You have used {usage.percent}% of this period’s events. Past the limit every event is still recorded
          for a grace period; upgrade before then to keep it that way.
        </p>
      ) : null}
    </section>
  );
}

function PlanCard({ billing, onManage, busy }: { billing: Billing; onManage(): void; busy: boolean }) {
  const live = hasLiveSubscription(billing);
  const offer = billing.plans.find((p) => p.id === billing.plan);
  return (
    <section class="card plan-card" aria-labelledby="plan-title">
      <h2 id="plan-title">Your plan</h2>
      <p class="plan-name" data-testid="plan-name">
        {planName(billing)}
        {billing.interval ? <span class="hint"> · billed {INTERVAL_WORDS[billing.interval]}</span> : null}
      </p>
      <dl class="facts">
        <dt>Subscription</dt>
        <dd data-testid="plan-status">{statusLabel(billing.status)}</dd>
        {offer?.paid && billing.interval ? (
          <>
            <dt>Price</dt>
            <dd>
              {formatPrice(offer.price_cents[billing.interval])} / {billing.interval}
            </dd>
          </>
        ) : null}
        <dt>Events per month</dt>
        <dd>{formatExact(billing.limits.monthly_events)}</dd>
        <dt>Sites</dt>
        <dd>up to {formatExact(billing.limits.sites)}</dd>
        <dt>Data kept</dt>
        <dd>{billing.limits.retention_months} months</dd>
        {live && billing.subscription_period_end ? (
          <>
            <dt>{billing.cancel_at_period_end ? 'Ends on' : 'Renews on'}</dt>
            <dd>{formatDay(billing.subscription_period_end)}</dd>
          </>
        ) : null}
      </dl>
      {billing.cancel_at_period_end && live ? (
        <p class="notice" role="status">
          The subscription is canceled: the plan stays until {formatDay(billing.subscription_period_end)},
          then the account moves to the free plan.
        </p>
      ) : null}
      {billing.status === 'past_due' ? (
        <p class="notice warn" role="status">
          The last payment failed. Stripe tries the card again; update it under Manage billing to keep the
          plan.
        </p>
      ) : null}
      {billing.is_owner && billing.can_manage ? (
        <div class="actions">
          <button type="button" onClick={onManage} disabled={busy}>
            {busy ? 'Opening…' : 'Manage billing'}
          </button>
          <span class="hint">Change plan or card, see invoices, or cancel.</span>
        </div>
      ) : null}
    </section>
  );
}

function features(plan: PlanOffer): string[] {
  const list = [
    `${formatExact(plan.monthly_events)} events a month`,
    `up to ${plan.sites} sites`,
    `${plan.retention_months} months of data`,
  ];
  if (plan.features.stats_api) list.push('Stats API');
  if (plan.features.web_vitals) list.push('Web vitals');
  if (plan.features.funnels) list.push('Funnels');
  if (plan.features.uptime_checks) list.push('Uptime checks');
  return list;
}

function PlansSection({
  billing,
  onUpgrade,
  pending,
}: {
  billing: Billing;
  onUpgrade(offer: UpgradeOffer): void;
  pending: string | null;
}) {
  const offers = upgradeOffers(billing);
  return (
    <section aria-labelledby="plans-title" class="plans">
      <h2 id="plans-title">Plans</h2>
      {!billing.is_owner ? (
        <p class="hint">Only the account’s owner can change the plan.</p>
      ) : hasLiveSubscription(billing) ? (
        <p class="hint">To switch plans or cancel, use Manage billing.</p>
      ) : null}
      <ul class="plan-list">
        {billing.plans.map((plan) => {
          const mine = offers.filter((o) => o.plan === plan.id);
          return (
            <li class={plan.id === billing.plan ? 'card plan current' : 'card plan'} key={plan.id}>
              <h3>
                {plan.name}
                {plan.id === billing.plan ? <span class="tag">Current plan</span> : null}
              </h3>
              <p class="plan-price">
                {plan.paid ? (
                  <>
                    <strong>{formatPrice(plan.price_cents.month)}</strong> / month
                  </>
                ) : (
                  <strong>Free</strong>
                )}
              </p>
              <ul class="plan-features">
                {features(plan).map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ul>
              {billing.state !== 'ok' && mine.some((o) => o.covers) ? (
                <p class="hint">Covers this period’s {formatExact(billing.usage.events)} events.</p>
              ) : null}
              {mine.length > 0 ? (
                <div class="actions">
                  {mine.map((o) => {
                    const key = `${o.plan}/${o.interval}`;
                    const saving = o.interval === 'year' ? plan.price_cents.month * 12 - o.priceCents : 0;
                    return (
                      <button
                        type="button"
                        class={o.interval === 'month' ? 'primary' : ''}
                        key={key}
                        disabled={pending !== null}
                        onClick={() => onUpgrade(o)}
                      >
                        <span class="visually-hidden">Upgrade to {o.name}, </span>
                        {pending === key
                          ? 'Opening checkout…'
                          : `${o.interval === 'month' ? 'Monthly' : 'Yearly'}, ${formatPrice(o.priceCents)}`}
                        {saving > 0 && pending !== key ? (
                          <span class="hint"> (save {formatPrice(saving)})</span>
                        ) : null}
                      </button>
                    );
                  })}
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** What the page says on the way back from Checkout, while the webhook may still be on its way. */
function CheckoutNote({ billing, gaveUp }: { billing: Billing | null; gaveUp: boolean }) {
  if (billing && isPaidAndLive(billing)) {
    return (
      <p class="notice" role="status" data-testid="checkout-note">
        Thanks! You are now on the {planName(billing)} plan.
      </p>
    );
  }
  return (
    <p class="notice" role="status" data-testid="checkout-note">
      {gaveUp
        ? 'Thanks! The payment went through, but the plan change has not reached us yet. It usually takes a minute: reload this page in a moment.'
        : 'Thanks, your plan is being updated…'}
    </p>
  );
}

export function BillingPage({ checkout }: { checkout: string | null }) {
  // Remembered, and dropped from the address, so a reload later does not thank the owner again.
  const [fromCheckout] = useState(checkout === 'success');
  useEffect(() => {
    if (checkout !== null) navigate('/billing', true);
  }, []);
  const state = useAsync(() => get<Billing>('/api/billing'), 'billing');
  const [polls, setPolls] = useState(0);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState('');

  const waiting = fromCheckout && state.data !== null && !isPaidAndLive(state.data);
  useEffect(() => {
    if (!waiting || state.loading || polls >= MAX_POLLS) return;
    const timer = setTimeout(() => {
      setPolls((n) => n + 1);
      state.reload();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [waiting, state.loading, polls]);

  /** Asks the API for a Stripe page and goes there; the button stays busy while the page leaves. */
  const goTo = async (key: string, path: string, body?: unknown) => {
    setError('');
    setPending(key);
    try {
      const { url } = await post<{ url: string }>(path, body);
      window.location.assign(url);
    } catch (e) {
      setPending(null);
      setError(e instanceof Error ? e.message : 'Something went wrong.');
    }
  };

  const billing = state.data;
  return (
    <main id="main" class="page billing-page">
      <div class="page-head">
        <h1>Usage and billing</h1>
      </div>
      {fromCheckout ? <CheckoutNote billing={billing} gaveUp={waiting && polls >= MAX_POLLS} /> : null}
      <ErrorMessage error={error || null} />
      {state.error && !billing ? (
        <ErrorMessage error={state.error} />
      ) : !billing ? (
        <Loading />
      ) : (
        <div class="billing-grid">
          <div class="billing-main">
            <UsageCard billing={billing} />
            <DailyChart billing={billing} />
          </div>
          <PlanCard
            billing={billing}
            busy={pending === 'portal'}
            onManage={() => goTo('portal', '/api/billing/portal')}
          />
          <div class="wide">
            <PlansSection
              billing={billing}
              pending={pending}
              onUpgrade={(o) =>
                goTo(`${o.plan}/${o.interval}`, '/api/billing/checkout', {
                  plan: o.plan,
                  interval: o.interval,
                })
              }
            />
          </div>
        </div>
      )}
    </main>
  );
}
