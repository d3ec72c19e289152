import type { ReactNode } from 'react';
import { Layout, PAGES } from './components/Layout';
import { useLiveEvents } from './lib/live';
import { useRoute } from './lib/router';
import { useSession } from './lib/session';
import { AlarmsPage } from './pages/AlarmsPage';
import { ExplorerPage } from './pages/ExplorerPage';
import { LoginPage } from './pages/LoginPage';
import { OverviewPage } from './pages/OverviewPage';

function page(route: string[]): ReactNode {
  const [name, id] = route;
  switch (name) {
    case 'blocks':
      return <ExplorerPage height={id} />;
    case 'alarms':
      return <AlarmsPage />;
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
