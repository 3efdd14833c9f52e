/**
 * Email reports of a site (docs/reports.md): who gets the daily, weekly and monthly report, a
 * preview of each, and "send me a test report". The API is /api/sites/:id/reports.
 */
import { useState } from 'preact/hooks';
import { ApiError, del, get, post, type Site } from '../api';
import { useAsync } from '../hooks';
import { ErrorMessage, Field, Loading } from './ui';

export interface ReportRecipient {
  email: string;
  daily: boolean;
  weekly: boolean;
  monthly: boolean;
}

type Frequency = 'daily' | 'weekly' | 'monthly';

const FREQUENCIES: { key: Frequency; label: string; period: 'day' | 'week' | 'month' }[] = [
  { key: 'daily', label: 'Daily', period: 'day' },
  { key: 'weekly', label: 'Weekly', period: 'week' },
  { key: 'monthly', label: 'Monthly', period: 'month' },
];

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : 'Something went wrong.';
}

export function ReportsSettings({ site }: { site: Site }) {
  const base = `/api/sites/${site.id}/reports`;
  const [nonce, setNonce] = useState(0);
  const state = useAsync(
    () => get<{ recipients: ReportRecipient[]; max_recipients: number }>(base),
    `${site.id}:${nonce}`,
  );
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const recipients = state.data?.recipients ?? [];
  const max = state.data?.max_recipients ?? 10;
  const reload = () => setNonce((n) => n + 1);

  const run = async (action: () => Promise<unknown>, done = '') => {
    setError('');
    setStatus('');
    try {
      await action();
      setStatus(done);
      reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const add = (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const body = {
      email: String(form.get('email') ?? ''),
      daily: form.get('daily') === 'on',
      weekly: form.get('weekly') === 'on',
      monthly: form.get('monthly') === 'on',
    };
    void run(async () => {
      await post(base, body);
      formElement.reset();
    }, 'Saved.');
  };

  const toggle = (recipient: ReportRecipient, key: Frequency, on: boolean) =>
    run(() => post(base, { email: recipient.email, [key]: on }));

  const remove = (recipient: ReportRecipient) =>
    run(() => del(`${base}?email=${encodeURIComponent(recipient.email)}`), `Removed ${recipient.email}.`);

  const sendTest = (period: string) =>
    run(async () => {
      const result = await post<{ sent: { to: string } }>(`${base}/test`, { period });
      return result;
    }, 'Test report sent to your address.');

  return (
    <section class="card stack-form reports-settings" aria-labelledby="reports-title">
      <h2 id="reports-title">Email reports</h2>
      <p class="hint">
        Sent at 07:00 in the site’s time zone ({site.timezone}): yesterday’s figures daily, last week’s on
        Mondays, last month’s on the 1st. Up to {max} addresses; each mail has an unsubscribe link.
      </p>
      {state.loading && !state.data ? (
        <Loading />
      ) : recipients.length === 0 ? (
        <p class="hint">No recipients yet.</p>
      ) : (
        <table class="table" data-testid="report-recipients">
          <thead>
            <tr>
              <th scope="col">Address</th>
              {FREQUENCIES.map((f) => (
                <th scope="col" key={f.key}>
                  {f.label}
                </th>
              ))}
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {recipients.map((recipient) => (
              <tr key={recipient.email}>
                <td>{recipient.email}</td>
                {FREQUENCIES.map((f) => (
                  <td key={f.key}>
                    <input
                      type="checkbox"
                      checked={recipient[f.key]}
                      aria-label={`${f.label} report to ${recipient.email}`}
                      onChange={(e) => toggle(recipient, f.key, e.currentTarget.checked)}
                    />
                  </td>
                ))}
                <td>
                  <button type="button" class="danger small" onClick={() => remove(recipient)}>
                    Remove<span class="visually-hidden"> {recipient.email}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {recipients.length < max ? (
        <form class="inline-form" onSubmit={add}>
          <Field label="Add an address">
            <input name="email" type="email" required maxLength={254} placeholder="team@example.com" />
          </Field>
          <fieldset class="scopes">
            <legend>Reports</legend>
            {FREQUENCIES.map((f) => (
              <label class="check" key={f.key}>
                <input type="checkbox" name={f.key} defaultChecked={f.key === 'weekly'} /> {f.label}
              </label>
            ))}
          </fieldset>
          <button type="submit">Add</button>
        </form>
      ) : null}
      <div class="actions">
        {FREQUENCIES.map((f) => (
          <a
            key={f.key}
            class="button"
            href={`${base}/preview?period=${f.period}`}
            target="_blank"
            rel="noopener noreferrer"
          >
            Preview {f.label.toLowerCase()}
          </a>
        ))}
        <button type="button" onClick={() => sendTest('day')}>
          Send me a test report
        </button>
      </div>
      <ErrorMessage error={error || state.error} />
      {status ? <p role="status">{status}</p> : null}
    </section>
  );
}
