import { FormEvent, useState } from 'react';
import { ProblemView } from '../components/QueryView';
import { useSession } from '../lib/session';

export function LoginPage() {
  const { login } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      if (!window.location.hash || window.location.hash === '#/login') window.location.hash = '#/overview';
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <h1>Concord console</h1>
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <label>
          User name
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error ? <ProblemView error={error} /> : null}
      </form>
    </main>
  );
}
