/**
 * What follows a change of a profile's plan or limits (the Stripe webhook, the admin override):
 * the current period's usage state is decided again under the new limit and the isolate's
 * capacity cache forgets the profile, so an upgrade restores ingest with the very next event.
 */
import { recomputeState } from '../../workers/billing/usage';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';

export async function planChanged(env: Env, profileId: number): Promise<void> {
  await recomputeState(env.DB, profileId, Date.now(), configOf(env).quotaGraceDays);
}
