/** Site settings: snippet, hostnames and privacy switches, the shared link, goals, and API keys. */
import { useState } from 'preact/hooks';
import { ApiError, type ApiKey, del, get, patch, post, type Site } from '../api';
import { AlertsSettings } from '../components/alerts-settings';
import { FunnelsSettings } from '../components/funnels-settings';
import { GoalsSettings } from '../components/goals-settings';
import { ReportsSettings } from '../components/reports-settings';
import { ErrorMessage, Field, Link, Loading } from '../components/ui';
import { useAsync } from '../hooks';
import { navigate } from '../router';
import { Snippet } from './sites';

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : 'Something went wrong.';
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

/**
 * The link to hand out: this dashboard's origin (the one the owner is using, which APP_URL may
 * not be in development), the link id, and the domain the shared view asks the API about.
 */
export function shareUrl(site: Site): string | null {
  if (!site.shared_link) return null;
  const url = new URL(`/share/${encodeURIComponent(site.shared_link.id)}`, window.location.origin);
  url.searchParams.set('site', site.domain);
  return url.toString();
}

function TrackingSettings({ site, onSaved }: { site: Site; onSaved(site: Site): void }) {
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError('');
    setSaved(false);
    try {
      const result = await patch<{ site: Site }>(`/api/sites/${site.id}`, {
        allowed_hostnames: lines(String(form.get('hostnames') ?? '')),
        excluded_paths: lines(String(form.get('excluded') ?? '')),
        respect_dnt: form.get('dnt') === 'on',
        public_dashboard: form.get('public') === 'on',
      });
      onSaved(result.site);
      setSaved(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <form class="card stack-form" onSubmit={submit} aria-labelledby="tracking-title">
      <h2 id="tracking-title">Tracking</h2>
      <Field
        label="Allowed hostnames"
        hint="One per line, e.g. shop.example.org or *.example.net. Empty: the domain and all its subdomains."
      >
        <textarea
          name="hostnames"
          rows={3}
          defaultValue={site.allowed_hostnames.join('\n')}
          spellcheck={false}
        />
      </Field>
      <Field label="Excluded pages" hint="One pattern per line, e.g. /admin/** (never counted).">
        <textarea name="excluded" rows={3} defaultValue={site.excluded_paths.join('\n')} spellcheck={false} />
      </Field>
      <label class="check">
        <input type="checkbox" name="dnt" defaultChecked={site.respect_dnt} /> Respect Do-Not-Track and Global
        Privacy Control
      </label>
      <label class="check">
        <input type="checkbox" name="public" defaultChecked={site.public_dashboard} /> Public dashboard
        (anyone can read it)
      </label>
      <ErrorMessage error={error || null} />
      <div class="actions">
        <button type="submit" class="primary">
          Save
        </button>
        {saved ? <span role="status">Saved.</span> : null}
      </div>
    </form>
  );
}

function SharedLinkSettings({ site, onSaved }: { site: Site; onSaved(site: Site): void }) {
  const [error, setError] = useState('');
  const change = async (sharedLink: unknown) => {
    setError('');
    try {
      onSaved((await patch<{ site: Site }>(`/api/sites/${site.id}`, { shared_link: sharedLink })).site);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const url = shareUrl(site);
  return (
    <section class="card stack-form" aria-labelledby="share-title">
      <h2 id="share-title">Shared link</h2>
      <p class="hint">A secret link to a read-only dashboard, optionally with a password.</p>
      {url ? (
        <>
          <Field label="Link">
            <input readOnly value={url} onFocus={(e) => e.currentTarget.select()} data-testid="share-url" />
          </Field>
          <p>{site.shared_link?.password_protected ? 'Protected by a password.' : 'No password.'}</p>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const password = String(new FormData(e.currentTarget).get('password') ?? '');
              void change({ password });
              e.currentTarget.reset();
            }}
          >
            <Field label="Set a password" hint="At least 8 characters.">
              <input name="password" type="password" minLength={8} required autoComplete="new-password" />
            </Field>
            <button type="submit">Set password</button>
          </form>
          <div class="actions">
            {site.shared_link?.password_protected ? (
              <button type="button" onClick={() => change({ password: null })}>
                Remove password
              </button>
            ) : null}
            <button type="button" onClick={() => change({ rotate: true })}>
              New link (old one stops working)
            </button>
            <button type="button" class="danger" onClick={() => change(null)}>
              Turn off
            </button>
          </div>
        </>
      ) : (
        <div class="actions">
          <button type="button" onClick={() => change({})}>
            Create a shared link
          </button>
        </div>
      )}
      <ErrorMessage error={error || null} />
    </section>
  );
}

function ApiKeys({ site }: { site: Site }) {
  const [nonce, setNonce] = useState(0);
  const state = useAsync(() => get<{ keys: ApiKey[] }>('/api/keys'), String(nonce));
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [error, setError] = useState('');
  const keys = (state.data?.keys ?? []).filter((k) => k.site_id === null || k.site_id === site.id);

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    setError('');
    try {
      const scopes = ['stats:read', 'events:write'].filter((s) => form.get(s) === 'on');
      const result = await post<{ key: ApiKey }>('/api/keys', {
        name: String(form.get('name') ?? ''),
        site_id: site.id,
        scopes,
      });
      setCreated(result.key);
      formElement.reset();
      setNonce((n) => n + 1);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!window.confirm(`Revoke the key "${key.name}"? Programs using it stop working at once.`)) return;
    try {
      await del(`/api/keys/${key.id}`);
      setNonce((n) => n + 1);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section class="card stack-form" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p class="hint">For the Stats API and server-side events. A key for this site only.</p>
      {created?.secret ? (
        <div class="notice" role="status">
          <p>
            <strong>Copy this key now — it is not shown again.</strong>
          </p>
          <input
            readOnly
            value={created.secret}
            onFocus={(e) => e.currentTarget.select()}
            data-testid="new-key"
          />
          <button type="button" class="link-button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <form class="inline-form" onSubmit={create}>
        <Field label="Name">
          <input name="name" required maxLength={100} placeholder="Nightly export" />
        </Field>
        <fieldset class="scopes">
          <legend>Scopes</legend>
          <label class="check">
            <input type="checkbox" name="stats:read" defaultChecked /> Read stats
          </label>
          <label class="check">
            <input type="checkbox" name="events:write" /> Send events
          </label>
        </fieldset>
        <button type="submit">Create key</button>
      </form>
      <ErrorMessage error={error || state.error} />
      {state.loading && !state.data ? (
        <Loading />
      ) : keys.length === 0 ? (
        <p class="hint">No keys yet.</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scopes.join(', ')}</td>
                <td>{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : 'Never'}</td>
                <td>
                  <button type="button" class="danger small" onClick={() => revoke(key)}>
                    Revoke<span class="visually-hidden"> {key.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DangerZone({ site }: { site: Site }) {
  const [error, setError] = useState('');
  const remove = async () => {
    if (window.prompt(`Type ${site.domain} to delete the site and all its data.`) !== site.domain) return;
    try {
      await del(`/api/sites/${site.id}`);
      navigate('/sites');
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section class="card stack-form" aria-labelledby="danger-title">
      <h2 id="danger-title">Delete site</h2>
      <p class="hint">Stops counting at once; the data is deleted after 72 hours.</p>
      <div class="actions">
        <button type="button" class="danger" onClick={remove}>
          Delete {site.domain}
        </button>
      </div>
      <ErrorMessage error={error || null} />
    </section>
  );
}

export function SettingsPage({ id }: { id: string }) {
  const state = useAsync(() => get<{ site: Site }>(`/api/sites/${encodeURIComponent(id)}`), id);
  const [site, setSite] = useState<Site | null>(null);
  const current = site ?? state.data?.site ?? null;
  if (state.error)
    return (
      <main id="main" class="page">
        <ErrorMessage error={state.error} />
      </main>
    );
  if (!current)
    return (
      <main id="main" class="page">
        <Loading />
      </main>
    );
  return (
    <main id="main" class="page narrow">
      <div class="page-head">
        <h1>{current.domain} settings</h1>
        <Link href={`/sites/${current.id}`} class="button">
          Dashboard
        </Link>
      </div>
      <section class="card" aria-labelledby="snippet-title">
        <h2 id="snippet-title">Snippet</h2>
        <Snippet siteId={current.id} />
        <p class="hint">Time zone: {current.timezone}</p>
      </section>
      <TrackingSettings site={current} onSaved={setSite} />
      <SharedLinkSettings site={current} onSaved={setSite} />
      <GoalsSettings site={current} />
      <FunnelsSettings site={current} />
      <ApiKeys site={current} />
      <ReportsSettings site={current} />
      <AlertsSettings site={current} />
      <DangerZone site={current} />
    </main>
  );
}
