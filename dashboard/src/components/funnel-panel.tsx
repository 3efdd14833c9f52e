/**
 * The dashboard's funnel panel (docs/funnels.md): one of the site's funnels, a bar per step with
 * its visitors, conversion from step 1 and the drop-off from the step before, for the view's
 * range and filters (`POST /api/v2/funnel`). Every view shows it, the owner's and a shared link's
 * alike, read-only: the list comes from `GET /api/v2/funnels`, which any reader of the site's
 * stats may ask with the same credentials as its queries. On the owner's view the list is asked
 * only once the goals request already made for the goals panel says the site has goals (a site
 * without goals has no funnels); a shared view has no such request, so it asks at once. The panel
 * (with its ClickHouse query) renders only when the list is not empty.
 */
import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { useAsync } from '../hooks';
import { dateRangeParam } from '../lib/date-range';
import { toV2Filters } from '../lib/filters';
import { formatNumber, formatPercent } from '../lib/format';
import type { StatsAccess, View } from '../stats';
import { Empty, ErrorMessage, Loading } from './ui';
import './funnel.css';

/** A funnel as its owner's /api/sites/:id/funnels shows it (functions/funnels/funnel.ts). */
export interface Funnel {
  id: number;
  name: string;
  steps: { goal_id: number; display_name: string }[];
  created_at: string;
  updated_at: string;
}

export interface FunnelStep {
  goal: string;
  visitors: number;
  conversion_rate: number;
  conversion_rate_step: number;
  dropoff: number;
  dropoff_percentage: number;
}

export interface FunnelAnswer {
  funnel: { id: number; name: string } | null;
  steps: FunnelStep[];
  meta: { all_visitors: number; entering_visitors: number; entering_visitors_percentage: number };
}

/** A funnel as every reader sees it (`GET /api/v2/funnels`, functions/funnels/list.ts). */
export interface FunnelSummary {
  id: number;
  name: string;
  /** The steps' goal names, step 1 first. */
  steps: string[];
}

export function listFunnels(siteId: number): Promise<{ funnels: Funnel[] }> {
  return get<{ funnels: Funnel[] }>(`/api/sites/${siteId}/funnels`);
}

/**
 * The site's funnels as `access` may read them, asked once `wanted`; null until then, and when the
 * list cannot be had (the panel is an extra, so its failure hides it rather than showing an error).
 */
export function useFunnels(access: StatsAccess, wanted: boolean): FunnelSummary[] | null {
  const state = useAsync(
    () =>
      wanted
        ? get<{ funnels: FunnelSummary[] }>(`/api/v2/funnels?site_id=${encodeURIComponent(access.domain)}`, {
            headers: access.headers,
            expect401: access.headers !== undefined,
          }).catch(() => null)
        : Promise.resolve(null),
    `${access.domain}:${JSON.stringify(access.headers ?? {})}:${wanted}`,
  );
  return state.data?.funnels ?? null;
}

function FunnelChart({ answer }: { answer: FunnelAnswer }) {
  const first = Math.max(1, answer.steps[0]?.visitors ?? 0);
  return (
    <ol class="funnel-steps">
      {answer.steps.map((step, i) => (
        <li key={step.goal} class="funnel-step" data-step={i + 1}>
          <div class="funnel-step-head">
            <span class="label">
              {i + 1}. {step.goal}
            </span>
            <span class="values">
              <span title="Visitors">{formatNumber(step.visitors)}</span>
              <span title="Conversion from step 1">{formatPercent(step.conversion_rate)}</span>
            </span>
          </div>
          <div class="funnel-track" aria-hidden="true">
            <span class="funnel-bar" style={{ width: `${(step.visitors / first) * 100}%` }} />
          </div>
          {i > 0 ? (
            <p class="hint funnel-dropoff">
              Drop-off: {formatNumber(step.dropoff)} ({formatPercent(step.dropoff_percentage)})
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

export function FunnelPanel({
  access,
  view,
  funnels,
}: {
  access: StatsAccess;
  view: View;
  funnels: FunnelSummary[];
}) {
  const [chosen, setChosen] = useState<number | null>(null);
  const funnel = funnels.find((f) => f.id === chosen) ?? funnels[0];
  // The steps are goals already, so the API refuses goal filters on a funnel: the panel leaves them
  // out and says so, instead of showing an error whenever the view filters by a goal.
  const chips = view.chips.filter((chip) => chip.dimension !== 'event:goal');
  const goalFiltered = chips.length < view.chips.length;
  const key = JSON.stringify([access.domain, view.range, chips, funnel?.id ?? 0]);
  const state = useAsync(
    () =>
      funnel
        ? post<FunnelAnswer>(
            '/api/v2/funnel',
            {
              site_id: access.domain,
              funnel_id: funnel.id,
              date_range: dateRangeParam(view.range),
              filters: toV2Filters(chips),
            },
            { headers: access.headers, expect401: access.headers !== undefined },
          )
        : Promise.resolve(null),
    key,
  );
  const answer = state.data;
  return (
    <section class="panel card funnel-panel" aria-labelledby="funnel-title" data-panel="funnel">
      <header class="panel-head">
        <h2 id="funnel-title">Funnel</h2>
        <select
          aria-label="Funnel"
          value={funnel?.id ?? ''}
          onChange={(e) => setChosen(Number((e.currentTarget as HTMLSelectElement).value))}
        >
          {funnels.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </select>
      </header>
      <div aria-busy={state.loading} class={state.loading && answer ? 'stale' : undefined}>
        {state.error ? (
          <ErrorMessage error={state.error} />
        ) : !answer ? (
          <Loading />
        ) : answer.meta.entering_visitors === 0 ? (
          <Empty>Nobody entered this funnel in this period.</Empty>
        ) : (
          <>
            <p class="hint">
              {formatNumber(answer.meta.entering_visitors)} of {formatNumber(answer.meta.all_visitors)}{' '}
              visitors entered ({formatPercent(answer.meta.entering_visitors_percentage)}); steps count within
              one visit, in order.{goalFiltered ? ' Goal filters do not apply to funnels.' : ''}
            </p>
            <FunnelChart answer={answer} />
          </>
        )}
      </div>
    </section>
  );
}
