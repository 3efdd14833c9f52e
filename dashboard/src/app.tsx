/** The app shell: who is signed in, the header, and which page a path shows. */
import { useEffect, useState } from 'preact/hooks';
import { get, post, setCsrfToken, type User, whenUnauthorized } from './api';
import { BillingBanner } from './components/billing-banner';
import { Link, Loading } from './components/ui';
import { AccountPage } from './pages/account';
import { LoginPage, ResetPasswordPage, SignInLinkPage, SignupPage, VerifyEmailPage } from './pages/auth';
import { BillingPage } from './pages/billing';
import { SettingsPage } from './pages/settings';
import { SharePage, SitePage } from './pages/site';
import { NewSitePage, SitesPage } from './pages/sites';
import { match, navigate, useLocation } from './router';

/** Pages anyone may open; every other page needs a session. */
const PUBLIC = ['/login', '/signup', '/verify-email', '/reset-password', '/sign-in'];

function Header({ user, onSignOut }: { user: User | null; onSignOut(): void }) {
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Link href="/" class="brand">
        <span class="logo" aria-hidden="true">
          ◆
        </span>{' '}
        Edgebear
      </Link>
      {user ? (
        <nav aria-label="Account">
          <Link href="/sites">Sites</Link>
          <Link href="/billing">Billing</Link>
          <Link href="/settings/sessions">Account</Link>
          <button type="button" class="link-button" onClick={onSignOut}>
            Sign out
          </button>
        </nav>
      ) : null}
    </header>
  );
}

function NotFound() {
  return (
    <main id="main" class="page narrow">
      <h1>Page not found</h1>
      <p>
        <Link href="/">Go to your sites</Link>
      </p>
    </main>
  );
}

export function App() {
  const location = useLocation();
  const [user, setUser] = useState<User | null | undefined>(undefined);

  useEffect(() => {
    whenUnauthorized(() => setUser(null));
    // The sign-in pages and shared links do not need to know who is signed in, so they do not
    // ask (a signed-out visitor's 401 would only be noise in the console).
    const path = window.location.pathname;
    if (PUBLIC.includes(path.replace(/\/+$/, '')) || path.startsWith('/share/')) {
      setUser(null);
      return;
    }
    get<{ user: User; csrf_token: string }>('/api/auth/me', { expect401: true }).then(
      (me) => {
        setCsrfToken(me.csrf_token);
        setUser(me.user);
      },
      () => setUser(null),
    );
  }, []);

  const path = location.path.replace(/\/+$/, '') || '/';
  const share = match('/share/:id', path);
  const signOut = async () => {
    try {
      await post('/api/auth/logout');
    } finally {
      setUser(null);
      navigate('/login');
    }
  };

  let page: preact.ComponentChildren;
  // The sites list and the site dashboards say when the account is over its event limit.
  let billingBanner = false;
  if (share) {
    page = <SharePage linkId={share.id ?? ''} domain={location.search.get('site') ?? ''} />;
  } else if (path === '/verify-email') {
    page = <VerifyEmailPage token={location.search.get('token') ?? ''} />;
  } else if (path === '/reset-password') {
    page = <ResetPasswordPage token={location.search.get('token')} />;
  } else if (path === '/sign-in') {
    page = <SignInLinkPage token={location.search.get('token') ?? ''} onSignedIn={setUser} />;
  } else if (user === undefined) {
    page = (
      <main id="main" class="page">
        <Loading />
      </main>
    );
  } else if (user === null) {
    const next = PUBLIC.includes(path)
      ? '/sites'
      : `${location.path}${location.search.size ? `?${location.search}` : ''}`;
    page =
      path === '/signup' ? (
        <SignupPage onSignedIn={setUser} />
      ) : (
        <LoginPage onSignedIn={setUser} next={next} />
      );
  } else if (path === '/' || path === '/sites' || path === '/login' || path === '/signup') {
    page = <SitesPage />;
    billingBanner = true;
  } else if (path === '/billing') {
    page = <BillingPage checkout={location.search.get('checkout')} />;
  } else if (path === '/sites/new') {
    page = <NewSitePage />;
  } else if (path === '/settings/sessions' || path === '/settings') {
    page = <AccountPage user={user} onChange={setUser} />;
  } else {
    const site = match('/sites/:id', path);
    const settings = match('/sites/:id/settings', path);
    if (site?.id) {
      page = <SitePage id={site.id} key={site.id} />;
      billingBanner = true;
    } else if (settings?.id) page = <SettingsPage id={settings.id} key={settings.id} />;
    else page = <NotFound />;
  }

  return (
    <>
      <Header user={share ? null : (user ?? null)} onSignOut={signOut} />
      {billingBanner ? <BillingBanner /> : null}
      {page}
    </>
  );
}
