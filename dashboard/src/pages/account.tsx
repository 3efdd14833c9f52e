/** Account: where you are signed in (linked from the sign-in alert mail), sign out elsewhere. */
import { useState } from 'preact/hooks';
import { del, get, post, type User } from '../api';
import { ErrorMessage, Field, Loading } from '../components/ui';
import { useAsync } from '../hooks';

interface SessionRow {
  id: number;
  created_at: string;
  last_seen_at: string;
  device: string;
  country: string;
  current: boolean;
}

/**
 * Two-factor authentication: set up (secret shown as text and as an otpauth link for the app),
 * confirm with a code, then the recovery codes once; or turn it off with password and code.
 */
function TwoFactor({ user, onChange }: { user: User; onChange(user: User): void }) {
  const [setup, setSetup] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  // Turning 2FA on or off revokes the API keys; the API says how many, and so do we.
  const [revoked, setRevoked] = useState('');
  const [error, setError] = useState('');
  const fail = (e: unknown) => setError(e instanceof Error ? e.message : 'Something went wrong.');

  const start = async () => {
    setError('');
    try {
      setSetup(await post<{ secret: string; otpauth_uri: string }>('/api/auth/2fa/setup'));
    } catch (e) {
      fail(e);
    }
  };
  const enable = async (event: SubmitEvent) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get('code') ?? '').trim();
    setError('');
    try {
      const result = await post<{ recovery_codes: string[]; message: string }>('/api/auth/2fa/enable', {
        code,
      });
      setCodes(result.recovery_codes);
      setRevoked(result.message);
      setSetup(null);
      onChange({ ...user, totp_enabled: true });
    } catch (e) {
      fail(e);
    }
  };
  const disable = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError('');
    try {
      const result = await post<{ message: string }>('/api/auth/2fa/disable', {
        password: form.get('password'),
        code: form.get('code'),
      });
      setCodes(null);
      setRevoked(result.message);
      onChange({ ...user, totp_enabled: false });
    } catch (e) {
      fail(e);
    }
  };

  return (
    <section class="card stack-form" aria-labelledby="twofactor-title">
      <h2 id="twofactor-title">Two-factor authentication</h2>
      {revoked ? (
        <p class="notice" role="status">
          Other sessions were signed out. {revoked}
        </p>
      ) : null}
      {codes ? (
        <div class="notice" role="status">
          <p>
            <strong>Two-factor authentication is on.</strong> Keep these recovery codes somewhere safe: each
            signs you in once if you lose your phone. They are not shown again.
          </p>
          <ul class="codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {user.totp_enabled ? (
        <form class="inline-form" onSubmit={disable}>
          <Field label="Password">
            <input name="password" type="password" autoComplete="current-password" required />
          </Field>
          <Field label="Code or recovery code">
            <input name="code" autoComplete="one-time-code" required />
          </Field>
          <button type="submit" class="danger">
            Turn off
          </button>
        </form>
      ) : setup ? (
        <form class="stack-form" onSubmit={enable}>
          <p>
            Add this key to your authenticator app (or open <a href={setup.otpauth_uri}>the setup link</a> on
            your phone), then enter the code it shows.
          </p>
          <code class="secret">{setup.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
          <Field label="Code from the app">
            <input
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]{6,7}"
              required
            />
          </Field>
          <div class="actions">
            <button type="submit" class="primary">
              Turn on
            </button>
          </div>
        </form>
      ) : (
        <div class="actions">
          <button type="button" onClick={start}>
            Set up two-factor authentication
          </button>
        </div>
      )}
      <ErrorMessage error={error || null} />
    </section>
  );
}

/** Sites and API keys need a verified address: a way to get the link again. */
function ResendVerification() {
  const [state, setState] = useState<{ sent: boolean; error: string }>({ sent: false, error: '' });
  const send = () =>
    post('/api/auth/verify-email/resend').then(
      () => setState({ sent: true, error: '' }),
      (e: unknown) =>
        setState({ sent: false, error: e instanceof Error ? e.message : 'Something went wrong.' }),
    );
  return (
    <div class="actions">
      {state.sent ? (
        <p role="status">We sent a new link. Open it to add sites and create API keys.</p>
      ) : (
        <button type="button" onClick={send}>
          Send the verification link again
        </button>
      )}
      <ErrorMessage error={state.error || null} />
    </div>
  );
}

export function AccountPage({ user, onChange }: { user: User; onChange(user: User): void }) {
  const [nonce, setNonce] = useState(0);
  const [error, setError] = useState('');
  const state = useAsync(() => get<{ sessions: SessionRow[] }>('/api/auth/sessions'), String(nonce));
  const run = async (action: () => Promise<unknown>) => {
    setError('');
    try {
      await action();
      setNonce((n) => n + 1);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Something went wrong.');
    }
  };
  return (
    <main id="main" class="page narrow">
      <h1>Account</h1>
      <section class="card">
        <p>
          Signed in as <strong>{user.email}</strong>
          {user.email_verified ? '' : ' (email not verified yet)'}. Two-factor authentication is{' '}
          {user.totp_enabled ? 'on' : 'off'}.
        </p>
        {user.email_verified ? null : <ResendVerification />}
      </section>
      <TwoFactor user={user} onChange={onChange} />
      <section class="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Where you are signed in</h2>
        <ErrorMessage error={error || state.error} />
        {!state.data ? (
          <Loading />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Country</th>
                <th scope="col">Last active</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.data.sessions.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.device}
                    {s.current ? ' (this browser)' : ''}
                  </td>
                  <td>{s.country || '—'}</td>
                  <td>{new Date(s.last_seen_at).toLocaleString()}</td>
                  <td>
                    {s.current ? null : (
                      <button
                        type="button"
                        class="small"
                        onClick={() => run(() => del(`/api/auth/sessions/${s.id}`))}
                      >
                        End session<span class="visually-hidden"> on {s.device}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="actions">
          <button type="button" onClick={() => run(() => post('/api/auth/sessions/revoke-all'))}>
            Sign out everywhere else
          </button>
        </div>
      </section>
    </main>
  );
}
