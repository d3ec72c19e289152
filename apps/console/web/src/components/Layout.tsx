import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ConsolePermission, OverviewResponse } from '@console-api';
import { get } from '../lib/api';
import { useSession } from '../lib/session';

export const PAGES: { path: string; label: string; permission: ConsolePermission }[] = [
  { path: 'overview', label: 'Overview', permission: 'read' },
  { path: 'blocks', label: 'Ledger', permission: 'read' },
  { path: 'transfers', label: 'Transfers', permission: 'read' },
  { path: 'participants', label: 'Participants', permission: 'read' },
  { path: 'clearing', label: 'Clearing', permission: 'read' },
  { path: 'fx', label: 'FX', permission: 'read' },
  { path: 'alarms', label: 'Alarms', permission: 'read' },
  { path: 'governance', label: 'Governance', permission: 'read' },
  { path: 'reconciliation', label: 'Breaks', permission: 'read' },
  { path: 'compliance', label: 'Compliance', permission: 'compliance.read' },
  { path: 'audit', label: 'Audit log', permission: 'audit.read' },
  { path: 'reports', label: 'Reports', permission: 'reports.read' },
  { path: 'users', label: 'Users', permission: 'users.manage' },
];

const DEPENDENCY_NAMES: Record<string, string> = {
  database: 'PostgreSQL',
  kafka: 'Kafka',
  clearing: 'The clearing service',
  fx: 'The FX service',
};

/** Names each dependency the console reports down; it disappears when they come back. */
function DependencyBanner() {
  const overview = useQuery({
    queryKey: ['overview'],
    queryFn: () => get<OverviewResponse>('/overview'),
    refetchInterval: 5000,
  });
  const down = overview.data?.dependencies.filter((d) => !d.up) ?? [];
  if (overview.error && overview.data === undefined) {
    return (
      <div className="banner" role="alert">
        The console API does not answer; retrying.
      </div>
    );
  }
  if (down.length === 0) return null;
  return (
    <div className="banner" role="alert">
      {down.map((d) => (
        <div key={d.name}>
          {DEPENDENCY_NAMES[d.name] ?? d.name} is down{d.detail ? `: ${d.detail}` : ''}. Pages that need it
          show what they last had and recover by themselves.
        </div>
      ))}
    </div>
  );
}

export function Layout({ current, live, children }: { current: string; live: boolean; children: ReactNode }) {
  const { me, can, logout } = useSession();
  return (
    <div className="layout">
      <header className="topbar">
        <span className="brand">Concord console</span>
        <span className={live ? 'live live-on' : 'live'} role="status">
          {live ? 'Live' : 'Reconnecting…'}
        </span>
        <span className="who">
          {me?.user.username} ({me?.user.role})
        </span>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {PAGES.filter((p) => can(p.permission)).map((p) => (
            <li key={p.path}>
              <a href={`#/${p.path}`} aria-current={current === p.path ? 'page' : undefined}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content" id="main">
        <DependencyBanner />
        {children}
      </main>
    </div>
  );
}
