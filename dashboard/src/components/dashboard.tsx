/**
 * The site dashboard, for an owner (/sites/:id) and a shared-link visitor (/share/:id) alike.
 * Range and filters live in the URL, so a filtered view can be bookmarked and sent on.
 */
import { useState } from 'preact/hooks';
import { type DateRange, parseRange, writeRange } from '../lib/date-range';
import { addChip, type FilterChip, parseChips, writeChips } from '../lib/filters';
import { navigate, useLocation } from '../router';
import type { KpiMetric, StatsAccess, View } from '../stats';
import { FilterBar, RangePicker } from './controls';
import { FunnelPanel, useFunnels } from './funnel-panel';
import { useGoalSuggestions } from './goal-suggestions';
import { goalTabs } from './goal-tabs';
import { KpiRow, TopChart } from './overview';
import { PAGE_TABS } from './page-tabs';
import { countryName, Panel, type PanelTab } from './panel';
import { PerformancePanel } from './performance';
import { RealtimePanel, VisitorsNow } from './realtime';
import { Field } from './ui';

const visitors = { metrics: ['visitors' as const], columns: ['Visitors'] };

const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const;

const SOURCES: PanelTab[] = [
  { id: 'sources', label: 'Sources', dimension: 'visit:source', ...visitors },
  { id: 'referrers', label: 'Referrers', dimension: 'visit:referrer', ...visitors },
  { id: 'channels', label: 'Channels', dimension: 'visit:channel', ...visitors },
  ...UTM.map((u) => ({
    id: u.replace('_', '-'),
    label: `UTM ${u.slice(4)}`,
    dimension: `visit:${u}`,
    ...visitors,
  })),
];

const LOCATIONS: PanelTab[] = [
  { id: 'countries', label: 'Countries', dimension: 'visit:country', display: countryName, ...visitors },
  { id: 'regions', label: 'Regions', dimension: 'visit:region', ...visitors },
  { id: 'cities', label: 'Cities', dimension: 'visit:city', ...visitors },
];

const DEVICES: PanelTab[] = [
  { id: 'devices', label: 'Devices', dimension: 'visit:device', ...visitors },
  { id: 'browsers', label: 'Browsers', dimension: 'visit:browser', ...visitors },
  { id: 'os', label: 'OS', dimension: 'visit:os', ...visitors },
];

const PROP_NAME = /^[\w.-]{1,100}$/;

export function Dashboard({
  access,
  title,
  actions,
  siteId,
}: {
  access: StatsAccess;
  title: string;
  actions?: preact.ComponentChildren;
  /** The owner's view only: lets the goals panel offer "make this a goal". */
  siteId?: number;
}) {
  const location = useLocation();
  const view: View = { range: parseRange(location.search), chips: parseChips(location.search) };
  const [metric, setMetric] = useState<KpiMetric>('visitors');
  const prop = location.search.get('prop') ?? '';
  const setProp = (value: string) => {
    const search = new URLSearchParams(location.search);
    if (value) search.set('prop', value);
    else search.delete('prop');
    navigate(`${location.path}?${search}`, true);
  };

  const update = (range: DateRange, chips: FilterChip[]) => {
    const search = new URLSearchParams(location.search);
    writeRange(search, range);
    writeChips(search, chips);
    const query = search.toString();
    navigate(`${location.path}${query ? `?${query}` : ''}`, true);
  };
  const onFilter = (chip: FilterChip) => update(view.range, addChip(view.chips, chip));
  const [goalsVersion, setGoalsVersion] = useState(0);
  const goals = useGoalSuggestions(siteId, () => setGoalsVersion((v) => v + 1));
  // The owner's view waits for the goals list (no goals, no funnels); a shared view has none to wait for.
  const funnels = useFunnels(access, siteId === undefined || goals.hasGoals === true);

  return (
    <div class="dashboard">
      <div class="dashboard-head">
        <div class="title-row">
          <h1>{title}</h1>
          <VisitorsNow access={access} />
        </div>
        <div class="toolbar">
          <RangePicker range={view.range} onChange={(range) => update(range, view.chips)} />
          {actions}
        </div>
        <FilterBar
          access={access}
          view={view}
          siteId={siteId}
          onChange={(chips) => update(view.range, chips)}
        />
      </div>
      <KpiRow access={access} view={view} selected={metric} onSelect={setMetric} />
      <TopChart access={access} view={view} metric={metric} />
      <div class="grid">
        <Panel id="pages" title="Pages" tabs={PAGE_TABS} access={access} view={view} onFilter={onFilter} />
        <Panel id="sources" title="Sources" tabs={SOURCES} access={access} view={view} onFilter={onFilter} />
        <Panel
          id="locations"
          title="Locations"
          tabs={LOCATIONS}
          access={access}
          view={view}
          onFilter={onFilter}
        />
        <Panel id="devices" title="Devices" tabs={DEVICES} access={access} view={view} onFilter={onFilter} />
        <Panel
          key={`goals-${goalsVersion}`}
          id="goals"
          title="Goals and properties"
          tabs={goalTabs(PROP_NAME.test(prop) ? prop : '_', goals.hasGoals)}
          rowAction={goals.rowAction}
          access={access}
          view={view}
          onFilter={onFilter}
          needsInput={(tab) =>
            tab.id === 'props' && !PROP_NAME.test(prop)
              ? 'Enter a property name to break events down by it.'
              : null
          }
          controls={(tab) =>
            tab.id === 'props' ? (
              <form
                class="prop-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  const value = String(new FormData(e.currentTarget).get('prop') ?? '').trim();
                  setProp(value);
                }}
              >
                <Field label="Property">
                  <input name="prop" defaultValue={prop} placeholder="e.g. plan" pattern="[\w.\-]{1,100}" />
                </Field>
                <button type="submit">Show</button>
              </form>
            ) : null
          }
        />
        {funnels && funnels.length > 0 ? <FunnelPanel access={access} view={view} funnels={funnels} /> : null}
        <RealtimePanel access={access} />
        <PerformancePanel access={access} view={view} onFilter={onFilter} />
      </div>
    </div>
  );
}
