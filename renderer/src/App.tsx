import { useEffect, useState } from 'react';
import { currentPath, routes } from './routes';
import { Layout } from './components/Layout';
import { ReadersPanel } from './components/ReadersPanel';
import { Diagnostics } from './pages/Diagnostics';
import { NotYet } from './pages/NotYet';
import { Assurance } from './pages/Assurance';
import { ApiKeys } from './pages/ApiKeys';
import { Settings } from './pages/Settings';
import { Prescriptions } from './pages/Prescriptions';
import { Dispense } from './pages/Dispense';
import { Prescribe } from './pages/prescribe/Prescribe';
import { LoginPanel } from './components/LoginPanel';
import { SessionNotices } from './components/SessionNotices';

function usePath(): string {
  const [path, setPath] = useState(() => currentPath(location.hash));
  useEffect(() => {
    // Only '#/…' (or an empty hash) is a route; other fragments are in-page links and leave the page as it is.
    const on = () => {
      if (location.hash === '' || location.hash.startsWith('#/')) setPath(currentPath(location.hash));
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return path;
}

export function App() {
  const path = usePath();
  const route = routes.find((r) => r.path === path) ?? routes[0]!;
  let page;
  switch (path) {
    case '':
      page = (
        <>
          <SessionNotices />
          <LoginPanel />
          <ReadersPanel />
        </>
      );
      break;
    case 'diagnostics':
      page = <Diagnostics />;
      break;
    case 'api-keys':
      page = <ApiKeys />;
      break;
    case 'settings':
      page = <Settings />;
      break;
    case 'prescriptions':
      page = <Prescriptions />;
      break;
    case 'dispense':
      page = <Dispense />;
      break;
    case 'prescribe':
      page = <Prescribe />;
      break;
    case 'assurance':
      page = <Assurance />;
      break;
    default:
      page = <NotYet area={path} />;
  }
  return (
    <Layout path={path} title={route.title}>
      {page}
    </Layout>
  );
}
