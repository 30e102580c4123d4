// The screen each path in the route table shows. Typed by the table's paths: a route without a
// screen, or a screen for a path not in the table, does not compile.
import type { ComponentType } from 'react';
import type { RoutePath } from './routes';
import { Home } from './pages/Home';
import { Prescribe } from './pages/prescribe/Prescribe';
import { Prescriptions } from './pages/Prescriptions';
import { Dispense } from './pages/Dispense';
import { Assurance } from './pages/Assurance';
import { ApiKeys } from './pages/ApiKeys';
import { Diagnostics } from './pages/Diagnostics';
import { Settings } from './pages/Settings';

export const screens: { readonly [P in RoutePath]: ComponentType } = {
  '': Home,
  prescribe: Prescribe,
  prescriptions: Prescriptions,
  dispense: Dispense,
  assurance: Assurance,
  'api-keys': ApiKeys,
  diagnostics: Diagnostics,
  settings: Settings,
};
