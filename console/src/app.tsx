// The console's frame: sign-in gate, navigation, and the page for the current path.
import { useEffect, useState } from 'preact/hooks';
import { api, isSignedIn, onSessionEnd, signOut } from './api';
import { setTimeZone } from './format';
import { Customers } from './pages/customers';
import { SeriesDetail } from './pages/series-detail';
import { SeriesForm } from './pages/series-form';
import { SeriesList } from './pages/series-list';
import { SignIn } from './pages/sign-in';
import { Support } from './pages/support';
import { Uploads } from './pages/uploads';
import { Link, match, useRoute } from './router';
import type { OrgSettings } from './types';

const NAV = [
  ['/', 'Series'],
  ['/customers', 'Customers'],
  ['/support', 'Check and redeem'],
  ['/uploads', 'Uploads'],
] as const;

function CurrentPage({ path }: { path: string }) {
  if (path === '/' || path === '/series') return <SeriesList />;
  if (path === '/series/new') return <SeriesForm />;
  let m = match('/series/:id/edit', path);
  if (m) return <SeriesForm id={Number(m.id)} />;
  m = match('/series/:id', path);
  if (m) return <SeriesDetail id={Number(m.id)} />;
  if (path === '/customers') return <Customers />;
  if (path === '/support') return <Support />;
  if (path === '/uploads') return <Uploads />;
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>
        There is no page at this address. <Link to="/">Back to the series</Link>.
      </p>
    </section>
  );
}

export function App() {
  const { path } = useRoute();
  const [signedIn, setSignedIn] = useState(isSignedIn());
  const [org, setOrg] = useState<OrgSettings>();
  const [reason, setReason] = useState<string>();

  useEffect(
    () =>
      onSessionEnd(() => {
        setSignedIn(false);
        setOrg(undefined);
        setReason('The session ended (signed out, or the token expired). Sign in again.');
      }),
    [],
  );
  useEffect(() => {
    if (!signedIn) return;
    api<OrgSettings>('GET', '/v2/org/settings').then(
      (o) => {
        setTimeZone(o.timezone);
        setOrg(o);
      },
      () => setOrg(undefined),
    );
  }, [signedIn]);

  const section = NAV.filter(([to]) =>
    to === '/' ? path === '/' || path.startsWith('/series') : path.startsWith(to),
  )[0]?.[0];

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">coupond console</span>
        {signedIn && (
          <>
            <nav aria-label="Main">
              <ul>
                {NAV.map(([to, label]) => (
                  <li key={to}>
                    <Link to={to} aria-current={section === to ? 'page' : undefined}>
                      {label}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
            <span class="org muted">{org && `${org.name} · ${org.timezone}`}</span>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </>
        )}
      </header>
      <main id="main">
        {signedIn ? (
          // A new key per path: a page's state starts fresh when the operator goes elsewhere and back.
          <CurrentPage key={path} path={path} />
        ) : (
          <SignIn
            reason={reason}
            onSignedIn={() => {
              setReason(undefined);
              setSignedIn(true);
            }}
          />
        )}
      </main>
    </>
  );
}
