/**
 * "Make this a goal" on the dashboard's goals panel: while a site has no goals, the panel lists
 * its custom events, and each row offers one click that makes that event a goal (an `event` goal,
 * /api/sites/:id/goals). Once the site has a goal the panel lists goals, so the offer goes away.
 * Only the site's owner sees it (shared and public views pass no site id).
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, get } from '../api';
import { useAsync } from '../hooks';
import { addEventGoal, type Goal } from './goals-settings';

/** Renders the action beside one row of a tab, or nothing. */
export type RowAction = (tabId: string, value: string) => ComponentChildren;

/**
 * Whether the site has goals (null while unknown or for a viewer who is not the owner), and the
 * row action for its custom-event rows when it has none. `onCreated` runs after a goal is made
 * (the panel reloads to show goals).
 */
export function useGoalSuggestions(
  siteId: number | undefined,
  onCreated: () => void,
): { hasGoals: boolean | null; rowAction?: RowAction } {
  const [nonce, setNonce] = useState(0);
  const [error, setError] = useState('');
  const state = useAsync(
    () =>
      siteId === undefined
        ? Promise.resolve(null)
        : get<{ goals: Goal[] }>(`/api/sites/${siteId}/goals`).catch(() => null),
    `${siteId ?? ''}:${nonce}`,
  );
  const goals = state.data?.goals ?? null;
  if (siteId === undefined || goals === null) return { hasGoals: null };
  if (goals.length > 0) return { hasGoals: true };

  const make = async (eventName: string) => {
    setError('');
    try {
      await addEventGoal(siteId, eventName);
      setNonce((n) => n + 1);
      onCreated();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not add the goal.');
    }
  };
  return {
    hasGoals: false,
    rowAction: (tabId, value) =>
      tabId === 'goals' && value !== '' ? (
        <button
          type="button"
          class="link-button small make-goal"
          title={error || `Count ${value} as a goal`}
          onClick={() => make(value)}
        >
          Make goal<span class="visually-hidden"> {value}</span>
        </button>
      ) : null,
  };
}
