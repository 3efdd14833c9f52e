/**
 * Funnels of a site (docs/funnels.md): a name and 2 to 8 of its goals in order. The dashboard's
 * funnel panel shows them; the API is /api/sites/:id/funnels. A goal a funnel uses cannot be
 * deleted until the funnel stops using it (the goals section shows the API's message).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, del, get, post, type Site } from '../api';
import { useAsync } from '../hooks';
import { type Funnel, listFunnels } from './funnel-panel';
import { GOALS_CHANGED, type Goal } from './goals-settings';
import { ErrorMessage, Field, Loading } from './ui';

/** As the API checks them (functions/funnels/funnel.ts). */
const MIN_STEPS = 2;
const MAX_STEPS = 8;
const MAX_FUNNELS = 20;

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : 'Something went wrong.';
}

export function FunnelsSettings({ site }: { site: Site }) {
  const [nonce, setNonce] = useState(0);
  const state = useAsync(
    () =>
      Promise.all([listFunnels(site.id), get<{ goals: Goal[] }>(`/api/sites/${site.id}/goals`)]).then(
        ([f, g]) => ({ funnels: f.funnels, goals: g.goals }),
      ),
    `${site.id}:${nonce}`,
  );
  // Goals added or deleted in the section above change what a step can be.
  useEffect(() => {
    const reload = () => setNonce((n) => n + 1);
    window.addEventListener(GOALS_CHANGED, reload);
    return () => window.removeEventListener(GOALS_CHANGED, reload);
  }, []);
  const [steps, setSteps] = useState<string[]>(['', '']);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const funnels = state.data?.funnels ?? [];
  const goals = state.data?.goals ?? [];

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    setError('');
    setStatus('');
    try {
      const name = String(new FormData(formElement).get('name') ?? '').trim();
      const result = await post<{ funnel: Funnel }>(`/api/sites/${site.id}/funnels`, {
        name,
        steps: steps.filter((s) => s !== '').map(Number),
      });
      formElement.reset();
      setSteps(['', '']);
      setStatus(`Added "${result.funnel.name}".`);
      setNonce((n) => n + 1);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const remove = async (funnel: Funnel) => {
    if (!window.confirm(`Delete the funnel "${funnel.name}"? Its goals stay.`)) return;
    setError('');
    setStatus('');
    try {
      await del(`/api/sites/${site.id}/funnels/${funnel.id}`);
      setNonce((n) => n + 1);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const setStep = (i: number, value: string) => setSteps(steps.map((s, j) => (j === i ? value : s)));

  return (
    <section id="funnels" class="card stack-form funnels-settings" aria-labelledby="funnels-title">
      <h2 id="funnels-title">Funnels</h2>
      <p class="hint">
        {MIN_STEPS} to {MAX_STEPS} goals in order. A visitor reaches a step when, in one visit, they completed
        it and every step before it, in that order. At most {MAX_FUNNELS}.
      </p>
      <ErrorMessage error={error || state.error} />
      {state.loading && !state.data ? (
        <Loading />
      ) : funnels.length === 0 ? (
        <p class="hint">No funnels yet.</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Steps</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {funnels.map((funnel) => (
              <tr key={funnel.id}>
                <td>{funnel.name}</td>
                <td>{funnel.steps.map((s) => s.display_name).join(' → ')}</td>
                <td>
                  <button type="button" class="danger small" onClick={() => remove(funnel)}>
                    Delete<span class="visually-hidden"> {funnel.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {goals.length < MIN_STEPS ? (
        <p class="hint">Add at least {MIN_STEPS} goals above to build a funnel from them.</p>
      ) : (
        <form class="stack-form" onSubmit={create} aria-label="Add a funnel">
          <Field label="Funnel name">
            <input name="name" required maxLength={120} placeholder="Checkout" />
          </Field>
          {steps.map((value, i) => (
            // A step is its position, so the index is its key.
            <Field key={i} label={`Step ${i + 1}`}>
              <select
                value={value}
                required
                onChange={(e) => setStep(i, (e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">Choose a goal</option>
                {goals.map((goal) => (
                  <option key={goal.id} value={String(goal.id)}>
                    {goal.display_name}
                  </option>
                ))}
              </select>
            </Field>
          ))}
          <div class="actions">
            <button
              type="button"
              onClick={() => setSteps([...steps, ''])}
              disabled={steps.length >= Math.min(MAX_STEPS, goals.length)}
            >
              Add step
            </button>
            <button
              type="button"
              onClick={() => setSteps(steps.slice(0, -1))}
              disabled={steps.length <= MIN_STEPS}
            >
              Remove last step
            </button>
            <button type="submit" class="primary" disabled={funnels.length >= MAX_FUNNELS}>
              Add funnel
            </button>
            {status ? <span role="status">{status}</span> : null}
          </div>
        </form>
      )}
    </section>
  );
}
