import type { ReactNode } from 'react';
import { Layout, PAGES } from './components/Layout';
import { useLiveEvents } from './lib/live';
import { useRoute } from './lib/router';
import { useSession } from './lib/session';
import { AlarmsPage } from './pages/AlarmsPage';
import { AuditPage } from './pages/AuditPage';
import { BreaksPage } from './pages/BreaksPage';
import { ClearingPage } from './pages/ClearingPage';
import { CompliancePage } from './pages/CompliancePage';
import { ExplorerPage } from './pages/ExplorerPage';
import { FxPage } from './pages/FxPage';
import { GovernancePage } from './pages/GovernancePage';
import { LoginPage } from './pages/LoginPage';
import { OverviewPage } from './pages/OverviewPage';
import { ParticipantsPage } from './pages/ParticipantsPage';
import { ReportsPage } from './pages/ReportsPage';
import { TransfersPage } from './pages/TransfersPage';
import { UsersPage } from './pages/UsersPage';

function page(route: string[]): ReactNode {
  const [name, id] = route;
  switch (name) {
    case 'blocks':
      return <ExplorerPage height={id} />;
    case 'transfers':
      return <TransfersPage id={id && decodeURIComponent(id)} />;
    case 'participants':
      return <ParticipantsPage />;
    case 'clearing':
      return <ClearingPage id={id} />;
    case 'fx':
      return <FxPage />;
    case 'alarms':
      return <AlarmsPage />;
    case 'governance':
      return <GovernancePage />;
    case 'audit':
      return <AuditPage />;
    case 'reports':
      return <ReportsPage />;
    case 'users':
      return <UsersPage />;
    case 'reconciliation':
      return <BreaksPage />;
    case 'compliance':
      return <CompliancePage />;
    default:
      return <OverviewPage />;
  }
}

export function App() {
  const { me, checking, can } = useSession();
  const route = useRoute();
  const live = useLiveEvents(Boolean(me));
  if (checking) return <p role="status">Loading…</p>;
  if (!me) return <LoginPage />;
  const name = PAGES.find((p) => p.path === route[0] && can(p.permission))?.path ?? 'overview';
  return (
    <Layout current={name} live={live.connected}>
      {page(name === route[0] ? route : [name])}
    </Layout>
  );
}
