// Sign in with an API client's key and secret; the token they buy is kept in memory only.
import { useState } from 'preact/hooks';
import { errorText, signIn } from '../api';
import { TextField } from '../components/field';
import { ErrorNotice } from '../components/notice';
import { Page } from '../components/page';

export function SignIn({ onSignedIn, reason }: { onSignedIn: () => void; reason: string | undefined }) {
  const [key, setKey] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(key.trim(), secret.trim());
      setSecret('');
      onSignedIn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Sign in">
      <form class="card narrow" onSubmit={submit}>
        <p>
          Use the key and secret of an API client of your org (<code>coupond client create</code> makes one).
          The session lasts until the token expires or this tab is reloaded; nothing is stored in the browser.
        </p>
        {reason && <p class="notice">{reason}</p>}
        <TextField id="key" label="Key" value={key} onInput={setKey} required autoComplete="username" />
        <TextField
          id="secret"
          label="Secret"
          type="password"
          value={secret}
          onInput={setSecret}
          required
          autoComplete="current-password"
        />
        <ErrorNotice>{error}</ErrorNotice>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </Page>
  );
}
