/** Sign-up, sign-in with its second step, email verification and password reset. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, post, setCsrfToken, type User } from '../api';
import { ErrorMessage, Field, Link } from '../components/ui';
import { navigate } from '../router';

interface SignedIn {
  user: User;
  csrf_token: string;
}

/** What a password step or an emailed link answers: signed in, on to the second factor, or (202) "check your email". */
type SignInAnswer =
  | SignedIn
  | { mfa_required: true; csrf_token: string }
  | { email_link_required: true; message: string };

function AuthCard({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <main class="auth" id="main">
      <div class="card auth-card">
        <p class="brand-big" aria-hidden="true">
          Edgebear
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

function message(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : 'Something went wrong.';
}

export function LoginPage({ onSignedIn, next }: { onSignedIn(user: User): void; next: string }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState(false);
  const [emailed, setEmailed] = useState('');

  if (pending) return <TwoFactorStep onSignedIn={onSignedIn} next={next} />;
  if (emailed) {
    return (
      <AuthCard title="Check your email">
        <p role="status">{emailed}</p>
        <p class="aside">
          <button type="button" class="link-button" onClick={() => setEmailed('')}>
            Back to sign in
          </button>
        </p>
      </AuthCard>
    );
  }

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const result = await post<SignInAnswer>(
        '/api/auth/login',
        { email: form.get('email'), password: form.get('password') },
        { expect401: true },
      );
      if ('email_link_required' in result) setEmailed(result.message);
      else {
        setCsrfToken(result.csrf_token);
        if ('mfa_required' in result) setPending(true);
        else {
          onSignedIn(result.user);
          navigate(next);
        }
      }
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit} class="stack-form">
        <Field label="Email">
          <input name="email" type="email" autoComplete="username" required />
        </Field>
        <Field label="Password">
          <input name="password" type="password" autoComplete="current-password" required />
        </Field>
        <ErrorMessage error={error || null} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="aside">
        New here? <Link href="/signup">Create an account</Link> ·{' '}
        <Link href="/reset-password">Forgot password?</Link>
      </p>
    </AuthCard>
  );
}

function TwoFactorStep({ onSignedIn, next }: { onSignedIn(user: User): void; next: string }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [recovery, setRecovery] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget as HTMLFormElement).get('code') ?? '').trim();
    setBusy(true);
    setError('');
    try {
      const result = await post<SignedIn>(
        '/api/auth/login/2fa',
        recovery ? { recovery_code: code } : { code },
        { expect401: true },
      );
      setCsrfToken(result.csrf_token);
      onSignedIn(result.user);
      navigate(next);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Two-factor authentication">
      <form onSubmit={submit} class="stack-form">
        <Field
          label={recovery ? 'Recovery code' : 'Code from your authenticator app'}
          hint={recovery ? 'Each recovery code works once.' : 'Six digits; they change every 30 seconds.'}
        >
          {recovery ? (
            <input name="code" autoComplete="off" required key="recovery" />
          ) : (
            <input
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]{6,7}"
              required
              key="totp"
            />
          )}
        </Field>
        <ErrorMessage error={error || null} />
        <button type="submit" class="primary" disabled={busy}>
          Verify
        </button>
      </form>
      <p class="aside">
        <button type="button" class="link-button" onClick={() => setRecovery(!recovery)}>
          {recovery ? 'Use a code from the app' : 'Use a recovery code instead'}
        </button>
      </p>
    </AuthCard>
  );
}

/** /sign-in?token=…: the emailed link that finishes a sign-in after several failed ones. */
export function SignInLinkPage({ token, onSignedIn }: { token: string; onSignedIn(user: User): void }) {
  const [state, setState] = useState<{ mfa: boolean; error: string }>({ mfa: false, error: '' });
  useEffect(() => {
    post<SignedIn | { mfa_required: true; csrf_token: string }>(
      '/api/auth/login/email',
      { token },
      { expect401: true },
    ).then(
      (result) => {
        setCsrfToken(result.csrf_token);
        if ('mfa_required' in result) setState({ mfa: true, error: '' });
        else {
          onSignedIn(result.user);
          navigate('/sites', true);
        }
      },
      (e: unknown) => setState({ mfa: false, error: message(e) }),
    );
  }, [token, onSignedIn]);
  if (state.mfa) return <TwoFactorStep onSignedIn={onSignedIn} next="/sites" />;
  return (
    <AuthCard title="Finish signing in">
      <ErrorMessage error={state.error || null} />
      {!state.error ? <p role="status">Checking the link…</p> : null}
      <p class="aside">
        <Link href="/login">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}

export function SignupPage({ onSignedIn }: { onSignedIn(user: User): void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [inviteNeeded, setInviteNeeded] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const body: Record<string, unknown> = { email: form.get('email'), password: form.get('password') };
      if (form.get('invite')) body.invite = form.get('invite');
      const result = await post<SignedIn>('/api/auth/signup', body, { expect401: true });
      setCsrfToken(result.csrf_token);
      onSignedIn(result.user);
      navigate('/sites/new');
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'invite_required' || e.code === 'invalid_invite'))
        setInviteNeeded(true);
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Create your account">
      <form onSubmit={submit} class="stack-form">
        <Field label="Email">
          <input name="email" type="email" autoComplete="email" required />
        </Field>
        <Field label="Password" hint="At least 10 characters.">
          <input name="password" type="password" autoComplete="new-password" minLength={10} required />
        </Field>
        {inviteNeeded ? (
          <Field label="Invite code">
            <input name="invite" required />
          </Field>
        ) : null}
        <ErrorMessage error={error || null} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p class="aside">
        Already have an account? <Link href="/login">Sign in</Link>
      </p>
    </AuthCard>
  );
}

export function VerifyEmailPage({ token }: { token: string }) {
  const [state, setState] = useState<{ done: boolean; error: string }>({ done: false, error: '' });
  useEffect(() => {
    post('/api/auth/verify-email', { token }, { expect401: true }).then(
      () => setState({ done: true, error: '' }),
      (e: unknown) => setState({ done: false, error: message(e) }),
    );
  }, [token]);
  return (
    <AuthCard title="Verify your email">
      {state.done ? <p>Your email address is verified. Thank you!</p> : null}
      <ErrorMessage error={state.error || null} />
      {!state.done && !state.error ? <p role="status">Checking the link…</p> : null}
      <p class="aside">
        <Link href="/">Go to your dashboard</Link>
      </p>
    </AuthCard>
  );
}

export function ResetPasswordPage({ token }: { token: string | null }) {
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      const result = token
        ? await post<{ message: string }>('/api/auth/password-reset/confirm', {
            token,
            password: form.get('password'),
          })
        : await post<{ message: string }>('/api/auth/password-reset/request', { email: form.get('email') });
      setDone(result.message);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title={token ? 'Choose a new password' : 'Reset your password'}>
      {done ? (
        <p role="status">{done}</p>
      ) : (
        <form onSubmit={submit} class="stack-form">
          {token ? (
            <Field label="New password" hint="At least 10 characters.">
              <input name="password" type="password" autoComplete="new-password" minLength={10} required />
            </Field>
          ) : (
            <Field label="Email">
              <input name="email" type="email" autoComplete="email" required />
            </Field>
          )}
          <ErrorMessage error={error || null} />
          <button type="submit" class="primary" disabled={busy}>
            {token ? 'Set password' : 'Send reset link'}
          </button>
        </form>
      )}
      <p class="aside">
        <Link href="/login">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
