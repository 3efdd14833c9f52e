/** The sites list (a sparkline of the last 7 days each) and the add-site form with its snippet. */
import { useState } from 'preact/hooks';
import { ApiError, get, post, type Site } from '../api';
import { Sparkline } from '../components/chart';
import { Empty, ErrorMessage, Field, Link, Loading } from '../components/ui';
import { useAsync } from '../hooks';
import { formatNumber } from '../lib/format';
import { timeSeries } from '../lib/series';
import { query } from '../stats';

function SiteCard({ site }: { site: Site }) {
  const state = useAsync(
    () =>
      query(
        { domain: site.domain },
        { metrics: ['visitors'], date_range: '7d', dimensions: ['time:day'], include: { time_labels: true } },
      ),
    site.domain,
  );
  const values = state.data ? timeSeries(state.data.meta.time_labels, state.data.results).current : [];
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <li class="card site-card">
      <Link href={`/sites/${site.id}`} class="site-link">
        <span class="site-domain">{site.domain}</span>
        <span class="site-figures">
          {state.loading ? (
            <span class="hint">Loading…</span>
          ) : state.error ? (
            <span class="hint">No stats</span>
          ) : (
            <>
              <Sparkline values={values} label={`Visitors per day, last 7 days, for ${site.domain}`} />
              <span>
                <strong>{formatNumber(total)}</strong> visitors · 7 days
              </span>
            </>
          )}
        </span>
      </Link>
      <Link href={`/sites/${site.id}/settings`} class="settings-link">
        Settings<span class="visually-hidden"> for {site.domain}</span>
      </Link>
    </li>
  );
}

export function SitesPage() {
  const state = useAsync(() => get<{ sites: Site[] }>('/api/sites'), 'sites');
  return (
    <main id="main" class="page">
      <div class="page-head">
        <h1>Your sites</h1>
        <Link href="/sites/new" class="button primary">
          Add a site
        </Link>
      </div>
      {state.error ? (
        <ErrorMessage error={state.error} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.sites.length === 0 ? (
        <Empty>
          No sites yet. <Link href="/sites/new">Add your first site</Link> to start counting.
        </Empty>
      ) : (
        <ul class="site-list">
          {state.data.sites.map((site) => (
            <SiteCard site={site} key={site.id} />
          ))}
        </ul>
      )}
    </main>
  );
}

function timeZones(): string[] {
  try {
    const zones = Intl.supportedValuesOf('timeZone');
    return zones.includes('UTC') ? zones : ['UTC', ...zones];
  } catch {
    return ['UTC'];
  }
}

export function Snippet({ siteId }: { siteId: number }) {
  const state = useAsync(() => get<{ snippet: string }>(`/api/sites/${siteId}/snippet`), String(siteId));
  const [copied, setCopied] = useState(false);
  if (state.error) return <ErrorMessage error={state.error} />;
  if (!state.data) return <Loading />;
  const snippet = state.data.snippet;
  return (
    <div class="snippet">
      <label class="field">
        <span class="field-label">Paste this into the &lt;head&gt; of every page</span>
        <textarea readOnly rows={3} value={snippet} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <button
        type="button"
        onClick={() => {
          navigator.clipboard?.writeText(snippet).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? 'Copied' : 'Copy snippet'}
      </button>
    </div>
  );
}

export function NewSitePage() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Site | null>(null);
  const [zone, setZone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const result = await post<{ site: Site }>('/api/sites', {
        domain: form.get('domain'),
        timezone: form.get('timezone'),
      });
      setCreated(result.site);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not add the site.');
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <main id="main" class="page narrow">
        <h1>{created.domain} is ready</h1>
        <p>Add the snippet to your site; visits show up on the dashboard within a minute.</p>
        <Snippet siteId={created.id} />
        <p>
          <Link href={`/sites/${created.id}`} class="button primary">
            Open the dashboard
          </Link>
        </p>
      </main>
    );
  }

  return (
    <main id="main" class="page narrow">
      <h1>Add a site</h1>
      <form class="stack-form card" onSubmit={submit}>
        <Field label="Domain" hint="Without https:// or a path, e.g. example.com">
          <input name="domain" required placeholder="example.com" autoCapitalize="off" spellcheck={false} />
        </Field>
        <Field label="Time zone" hint="Days and hours on the dashboard follow this zone.">
          <select name="timezone" value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
            {timeZones().map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </Field>
        <ErrorMessage error={error || null} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add site'}
        </button>
      </form>
    </main>
  );
}
