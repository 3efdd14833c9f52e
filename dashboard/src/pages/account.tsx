/** Account: where you are signed in (linked from the sign-in alert mail), sign out elsewhere. */
import { useState } from 'preact/hooks';
import { del, get, post, type User } from '../api';
import { ErrorMessage, Loading } from '../components/ui';
import { useAsync } from '../hooks';

interface SessionRow {
  id: number;
  created_at: string;
  last_seen_at: string;
  device: string;
  country: string;
  current: boolean;
}

export function AccountPage({ user }: { user: User }) {
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
      </section>
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
                        Sign out
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
