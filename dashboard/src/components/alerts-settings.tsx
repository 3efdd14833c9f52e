/**
 * Alerts of a site: a traffic spike (current visitors over a threshold), a traffic drop (a day
 * far under its usual weekday) and a web-vitals regression, and who gets them. The API is
 * /api/sites/:id/alerts; alert mails link here (`#alerts`).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, patch, type Site, type User } from '../api';
import { useAsync } from '../hooks';
import { ErrorMessage, Field, Loading } from './ui';

export interface AlertSettings {
  spike: { enabled: boolean; threshold: number };
  drop: { enabled: boolean; ratio: number };
  vitals: { enabled: boolean };
  recipients: string[];
}

/** As the API checks them (functions/alerts/settings.ts). */
const MAX_RECIPIENTS = 10;

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : 'Something went wrong.';
}

const lines = (text: string) =>
  text
    .split(/[\r\n,;]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

export function AlertsSettings({ site }: { site: Site }) {
  const state = useAsync(
    () =>
      Promise.all([
        get<{ alerts: AlertSettings }>(`/api/sites/${site.id}/alerts`),
        get<{ user: User }>('/api/auth/me').catch(() => null),
      ]),
    String(site.id),
  );
  const [saved, setSaved] = useState<AlertSettings | null>(null);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const loaded = state.data?.[0].alerts ?? null;
  const alerts = saved ?? loaded;

  // Alert mails link to `…/settings#alerts`; the section exists only once loaded.
  useEffect(() => {
    if (alerts && window.location.hash === '#alerts') document.getElementById('alerts')?.scrollIntoView();
  }, [alerts !== null]);

  if (state.error) return <ErrorMessage error={state.error} />;
  if (!alerts) return <Loading />;
  // Nobody on the list yet: suggest the signed-in owner.
  const me = state.data?.[1]?.user.email ?? '';
  const recipients = alerts.recipients.length > 0 ? alerts.recipients : me ? [me] : [];

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError('');
    setStatus('');
    try {
      const result = await patch<{ alerts: AlertSettings }>(`/api/sites/${site.id}/alerts`, {
        spike: { enabled: form.get('spike') === 'on', threshold: Number(form.get('threshold')) },
        drop: { enabled: form.get('drop') === 'on', ratio: Number(form.get('percent')) / 100 },
        vitals: { enabled: form.get('vitals') === 'on' },
        recipients: lines(String(form.get('recipients') ?? '')),
      });
      setSaved(result.alerts);
      setStatus('Saved.');
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <form
      id="alerts"
      class="card stack-form alerts-settings"
      onSubmit={submit}
      aria-labelledby="alerts-title"
      data-testid="alerts-settings"
    >
      <h2 id="alerts-title">Alerts</h2>
      <p class="hint">
        Email when something unusual happens, at most once a day for each kind. Traffic drops and web vitals
        are checked every morning at 7:00 ({site.timezone}).
      </p>
      <fieldset class="alert-kind">
        <label class="check">
          <input type="checkbox" name="spike" defaultChecked={alerts.spike.enabled} /> Traffic spike
        </label>
        <Field label="When current visitors are more than" hint="Visitors in the last 5 minutes.">
          <input
            name="threshold"
            type="number"
            min={1}
            step={1}
            defaultValue={String(alerts.spike.threshold)}
          />
        </Field>
      </fieldset>
      <fieldset class="alert-kind">
        <label class="check">
          <input type="checkbox" name="drop" defaultChecked={alerts.drop.enabled} /> Traffic drop
        </label>
        <Field
          label="When a day has fewer visitors than (%)"
          hint="Percent of the usual for that weekday: the median of the 4 weeks before. Needs 4 such days with at least some traffic."
        >
          <input
            name="percent"
            type="number"
            min={5}
            max={95}
            step={1}
            defaultValue={String(Math.round(alerts.drop.ratio * 100))}
          />
        </Field>
      </fieldset>
      <fieldset class="alert-kind">
        <label class="check">
          <input type="checkbox" name="vitals" defaultChecked={alerts.vitals.enabled} /> Web vitals regression
        </label>
        <p class="hint">
          When yesterday's 75th percentile of LCP, INP or CLS is in a worse band (good, needs improvement,
          poor) than over the 7 days before, with at least 100 page loads measured in each.
        </p>
      </fieldset>
      <Field label="Send alerts to" hint={`One address per line, at most ${MAX_RECIPIENTS}.`}>
        <textarea
          name="recipients"
          rows={3}
          defaultValue={recipients.join('\n')}
          spellcheck={false}
          autoComplete="off"
        />
      </Field>
      <ErrorMessage error={error || null} />
      <div class="actions">
        <button type="submit" class="primary">
          Save alerts
        </button>
        {status ? <span role="status">{status}</span> : null}
      </div>
    </form>
  );
}
