// The sign-in form: the admin token is sent once to open a session and then forgotten; the page keeps
// only the CSRF token the answer carries, in memory.
import { useState } from 'preact/hooks';
import { call } from '../api/http.js';
import type { SessionInfo } from '../api/types.js';
import { ErrorNote } from '../components/notice.js';
import { useAction } from '../hooks.js';
import { signedIn } from '../session.js';

export function SignIn({ notice }: { notice: string | null }) {
  const [token, setToken] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const s = await call<SessionInfo>('POST', '/session', { body: { token }, quiet401: true });
      setToken('');
      signedIn(s.csrf_token, s.expires_at);
    });
  };
  return (
    <section class="sign-in">
      <h1>Sign in</h1>
      {notice && <p class="notice" role="status" data-testid="sign-in-notice">{notice}</p>}
      <form onSubmit={submit} onInput={action.clear} class="card">
        <div class="field">
          <label for="admin-token">Admin token</label>
          <input id="admin-token" name="admin-token" type="password" autocomplete="off" required maxLength={4096}
            value={token} onInput={(e) => setToken(e.currentTarget.value)} />
          <span class="hint">The server's CAPSTAN_ADMIN_TOKEN. It opens a session for this browser and is not stored.</span>
        </div>
        <ErrorNote error={action.error} />
        <button type="submit" class="primary" disabled={action.busy || token === ''}>{action.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </section>
  );
}
