import { createContext, ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ConsolePermission, MeResponse } from '@console-api';
import { api, ApiError, setCsrfToken, whenUnauthenticated } from './api';

interface SessionState {
  me: MeResponse | null;
  /** True until the first `GET /session` answered. */
  checking: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** Whether the signed-in user's role holds `permission` (buttons are absent otherwise). */
  can(permission: ConsolePermission): boolean;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<MeResponse | null>(null);
  const [checking, setChecking] = useState(true);
  const client = useQueryClient();
  const signedIn = useCallback((answer: MeResponse | null) => {
    setCsrfToken(answer?.csrfToken ?? '');
    setMe(answer);
  }, []);

  useEffect(() => {
    whenUnauthenticated(() => {
      signedIn(null);
      client.clear();
    });
    api<MeResponse>('GET', '/session')
      .then(signedIn)
      .catch(() => signedIn(null))
      .finally(() => setChecking(false));
  }, [client, signedIn]);

  const value: SessionState = {
    me,
    checking,
    login: async (username, password) =>
      signedIn(await api<MeResponse>('POST', '/session', { username, password })),
    logout: async () => {
      await api('DELETE', '/session').catch((e: unknown) => {
        if (!(e instanceof ApiError) || e.status !== 401) throw e;
      });
      signedIn(null);
      client.clear();
    },
    can: (permission) => Boolean(me?.permissions.includes(permission)),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
