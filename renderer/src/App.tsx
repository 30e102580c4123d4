import { useEffect, useState } from 'react';
import { currentPath, isRouteHash, routeOf, type RoutePath } from './routes';
import { screens } from './screens';
import { Layout } from './components/Layout';

function usePath(): RoutePath {
  const [path, setPath] = useState(() => currentPath(location.hash));
  useEffect(() => {
    const on = () => {
      if (isRouteHash(location.hash)) setPath(currentPath(location.hash));
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return path;
}

/** The route table (routes.ts) picks the area's title and nav entry; screens.tsx its screen. */
export function App() {
  const path = usePath();
  const Screen = screens[path];
  return (
    <Layout path={path} title={routeOf(path).title}>
      <Screen />
    </Layout>
  );
}
