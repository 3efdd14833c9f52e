/** An owner's site dashboard (/sites/:id) and a shared-link view (/share/:id). */
import { useState } from 'preact/hooks';
import { ApiError, get, type Site } from '../api';
import { Dashboard } from '../components/dashboard';
import { ErrorMessage, Field, Link, Loading } from '../components/ui';
import { useAsync } from '../hooks';
import { query, type StatsAccess } from '../stats';

export function SitePage({ id }: { id: string }) {
  const state = useAsync(() => get<{ site: Site }>(`/api/sites/${encodeURIComponent(id)}`), id);
  if (state.error) {
    return (
      <main id="main" class="page">
        <ErrorMessage error={state.error} />
        <Link href="/sites">Back to your sites</Link>
      </main>
    );
  }
  if (!state.data) {
    return (
      <main id="main" class="page">
        <Loading />
      </main>
    );
  }
  const site = state.data.site;
  return (
    <main id="main" class="page wide">
      <Dashboard
        access={{ domain: site.domain }}
        title={site.domain}
        siteId={site.id}
        actions={
          <Link href={`/sites/${site.id}/settings`} class="button">
            Settings
          </Link>
        }
      />
    </main>
  );
}

/**
 * A shared link: the link id goes in X-Shared-Link on every request, its password (when it has
 * one) in X-Shared-Link-Password, kept only in memory. The site's domain comes from `?site=`
 * (settings show the link with it), as the API reads stats by domain.
 */
export function SharePage({ linkId, domain }: { linkId: string; domain: string }) {
  const [password, setPassword] = useState('');
  const [attempt, setAttempt] = useState(0);
  const headers: Record<string, string> = { 'X-Shared-Link': linkId };
  if (password) headers['X-Shared-Link-Password'] = password;
  const access: StatsAccess = { domain, headers };
  const probe = useAsync(
    () =>
      domain
        ? query(access, { metrics: ['visitors'], date_range: 'day' })
        : Promise.reject(new Error('missing')),
    `${linkId}:${domain}:${attempt}`,
  );

  if (!domain) {
    return (
      <main id="main" class="page narrow">
        <h1>Shared dashboard</h1>
        <ErrorMessage error="This link is incomplete: ask its owner for the full link." />
      </main>
    );
  }
  if (probe.loading && !probe.data) {
    return (
      <main id="main" class="page">
        <Loading />
      </main>
    );
  }
  const needsPassword = probe.error instanceof ApiError && probe.error.status === 401;
  if (needsPassword) {
    return (
      <main id="main" class="auth">
        <form
          class="card auth-card stack-form"
          onSubmit={(e) => {
            e.preventDefault();
            setPassword(String(new FormData(e.currentTarget).get('password') ?? ''));
            setAttempt((n) => n + 1);
          }}
        >
          <h1>{domain}</h1>
          <p>This shared dashboard is protected by a password.</p>
          <Field label="Password">
            <input name="password" type="password" required autoComplete="off" />
          </Field>
          {password ? <ErrorMessage error="That password is not right." /> : null}
          <button type="submit" class="primary">
            View dashboard
          </button>
        </form>
      </main>
    );
  }
  if (probe.error) {
    return (
      <main id="main" class="page narrow">
        <h1>Shared dashboard</h1>
        <ErrorMessage
          error={
            probe.error instanceof ApiError && probe.error.status === 404
              ? 'This link does not work any more.'
              : probe.error
          }
        />
      </main>
    );
  }
  return (
    <main id="main" class="page wide">
      <Dashboard access={access} title={domain} />
    </main>
  );
}
