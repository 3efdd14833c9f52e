/**
 * Goals of a site (docs/goals.md): custom events, pageviews on a path pattern, scroll depth on a
 * path pattern, and revenue events. Once a site has any, the dashboard's goals panel and the Stats
 * API's `event:goal` show these instead of every custom event. The API is /api/sites/:id/goals.
 */
import { useState } from 'preact/hooks';
import { ApiError, del, get, post, type Site } from '../api';
import { useAsync } from '../hooks';
import { ErrorMessage, Field, Loading } from './ui';

export type GoalKind = 'event' | 'page' | 'scroll' | 'revenue';

/** A goal as the API shows it (functions/goals/goal.ts). */
export interface Goal {
  id: number;
  kind: GoalKind;
  display_name: string;
  event_name: string | null;
  page_path: string | null;
  scroll_threshold: number | null;
  currency: string | null;
  created_at: string;
}

/** As the API checks it (functions/goals/goal.ts). */
const MAX_GOALS = 50;

/** Sent on `window` after a goal is added or deleted here (the funnels section lists goals too). */
export const GOALS_CHANGED = 'edgebear:goals-changed';

const KIND_LABELS: Record<GoalKind, string> = {
  event: 'Custom event',
  page: 'Pageview',
  scroll: 'Scroll depth',
  revenue: 'Revenue',
};

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : 'Something went wrong.';
}

/** What a goal counts, in a few words. */
export function goalTarget(goal: Goal): string {
  switch (goal.kind) {
    case 'event':
      return `event ${goal.event_name ?? ''}`;
    case 'revenue':
      return `event ${goal.event_name ?? ''} (${goal.currency ?? ''})`;
    case 'page':
      return `pageview of ${goal.page_path ?? ''}`;
    case 'scroll':
      return `${goal.scroll_threshold ?? 0}% scrolled on ${goal.page_path ?? ''}`;
  }
}

/** Adds an event goal for a custom event name (the dashboard's "make this a goal"). */
export function addEventGoal(siteId: number, eventName: string): Promise<{ goal: Goal }> {
  return post<{ goal: Goal }>(`/api/sites/${siteId}/goals`, { kind: 'event', event_name: eventName });
}

/** The API body for the chosen kind, from the form's fields. */
function newGoalBody(kind: GoalKind, form: FormData): Record<string, unknown> {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const body: Record<string, unknown> = { kind };
  if (kind === 'event' || kind === 'revenue') body.event_name = text('event_name');
  if (kind === 'page' || kind === 'scroll') body.page_path = text('page_path');
  if (kind === 'scroll') body.scroll_threshold = Number(text('scroll_threshold'));
  if (kind === 'revenue') body.currency = text('currency');
  if (text('display_name') !== '') body.display_name = text('display_name');
  return body;
}

export function GoalsSettings({ site }: { site: Site }) {
  const [nonce, setNonce] = useState(0);
  const state = useAsync(() => get<{ goals: Goal[] }>(`/api/sites/${site.id}/goals`), `${site.id}:${nonce}`);
  const [kind, setKind] = useState<GoalKind>('event');
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const goals = state.data?.goals ?? [];

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    setError('');
    setStatus('');
    try {
      const result = await post<{ goal: Goal }>(
        `/api/sites/${site.id}/goals`,
        newGoalBody(kind, new FormData(formElement)),
      );
      formElement.reset();
      setKind('event');
      setStatus(`Added "${result.goal.display_name}".`);
      setNonce((n) => n + 1);
      window.dispatchEvent(new Event(GOALS_CHANGED));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const remove = async (goal: Goal) => {
    if (!window.confirm(`Delete the goal "${goal.display_name}"? Its events stay; it stops being a goal.`))
      return;
    setError('');
    setStatus('');
    try {
      await del(`/api/sites/${site.id}/goals/${goal.id}`);
      setNonce((n) => n + 1);
      window.dispatchEvent(new Event(GOALS_CHANGED));
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section
      id="goals"
      class="card stack-form goals-settings"
      aria-labelledby="goals-title"
      data-testid="goals-settings"
    >
      <h2 id="goals-title">Goals</h2>
      <p class="hint">
        What counts as a conversion. Without goals, the dashboard's goals panel lists every custom event; with
        any, it lists these, each with the visitors who completed it and the conversion rate. At most{' '}
        {MAX_GOALS}.
      </p>
      <ErrorMessage error={error || state.error} />
      {state.loading && !state.data ? (
        <Loading />
      ) : goals.length === 0 ? (
        <p class="hint">No goals yet.</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Counts</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {goals.map((goal) => (
              <tr key={goal.id}>
                <td>{goal.display_name}</td>
                <td>{KIND_LABELS[goal.kind]}</td>
                <td>
                  <code>{goalTarget(goal)}</code>
                </td>
                <td>
                  <button type="button" class="danger small" onClick={() => remove(goal)}>
                    Delete<span class="visually-hidden"> {goal.display_name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="stack-form" onSubmit={create} aria-label="Add a goal">
        <Field label="Kind">
          <select
            name="kind"
            value={kind}
            onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as GoalKind)}
          >
            {(Object.keys(KIND_LABELS) as GoalKind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </Field>
        {kind === 'event' || kind === 'revenue' ? (
          <Field label="Event name" hint="Exactly as the tracker sends it, e.g. Signup.">
            <input name="event_name" required maxLength={120} spellcheck={false} />
          </Field>
        ) : (
          <Field
            label="Page"
            hint="A path; * matches within one segment, ** any depth: /blog/**, /docs/*/install."
          >
            <input name="page_path" required maxLength={200} placeholder="/blog/**" spellcheck={false} />
          </Field>
        )}
        {kind === 'scroll' ? (
          <Field label="Scrolled at least (%)">
            <input
              name="scroll_threshold"
              type="number"
              required
              min={1}
              max={100}
              step={1}
              defaultValue="50"
            />
          </Field>
        ) : null}
        {kind === 'revenue' ? (
          <Field label="Currency" hint="ISO 4217 code, e.g. EUR.">
            <input
              name="currency"
              required
              minLength={3}
              maxLength={3}
              placeholder="EUR"
              spellcheck={false}
            />
          </Field>
        ) : null}
        <Field label="Display name" hint="Optional; shown on the dashboard and in the Stats API.">
          <input name="display_name" maxLength={120} />
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={goals.length >= MAX_GOALS}>
            Add goal
          </button>
          {status ? <span role="status">{status}</span> : null}
        </div>
      </form>
    </section>
  );
}
