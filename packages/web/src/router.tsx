import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from '@tanstack/react-router';
import { client } from './api/client.ts';
import { LoginPage } from './auth/LoginPage.tsx';
import { AppShell } from './layout/AppShell.tsx';
import { RouteError } from './layout/RouteError.tsx';
import { validateAuditSearch } from './pages/audit/audit-search.ts';
import { validatePlotsSearch } from './pages/plots/plots-search.ts';
import { readReadingsSearch } from './pages/readings/readings-search.ts';
import { parseSearch, stringifySearch } from './search-params.ts';

export interface RouterContext {
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  errorComponent: RouteError,
});

/** Where to go after logging in: only a path of this app (never another site). */
export function safeRedirect(target: unknown): string {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/login') ? target : '/';
}

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): { redirect?: string } =>
    typeof search.redirect === 'string' ? { redirect: safeRedirect(search.redirect) } : {},
  component: LoginPage,
});

/** Every page but the login: a session is needed, else the login page, which brings you back here. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: ({ location }) => {
    if (!client.loggedIn) throw redirect({ to: '/login', search: { redirect: location.href } });
  },
  component: AppShell,
});

/**
 * One route per page, each page a chunk of its own: the first load carries only the shell. The
 * path stays a literal type, so `<Link to="/sensors/$uid" params={{ uid }}>` is checked against
 * the routes; `name` must be an export of the page's module.
 */
const page = <TPath extends string, TModule extends Record<string, unknown>>(
  path: TPath,
  load: () => Promise<TModule>,
  name: keyof TModule & string,
) => createRoute({ getParentRoute: () => appRoute, path, component: lazyRouteComponent(load, name) });

const pageRoutes = [
  page('/', () => import('./pages/overview/OverviewPage.tsx'), 'OverviewPage'),
  page('/sensor-types', () => import('./pages/sensor-types/SensorTypesPage.tsx'), 'SensorTypesPage'),
  page('/sensors', () => import('./pages/sensors/SensorsPage.tsx'), 'SensorsPage'),
  page('/sensors/$uid', () => import('./pages/sensors/SensorPage.tsx'), 'SensorPage'),
  // The plots' selection lives in the URL (type, sensors, measures, from, to): links open the same plots.
  createRoute({
    getParentRoute: () => appRoute,
    path: '/plots',
    validateSearch: validatePlotsSearch,
    component: lazyRouteComponent(() => import('./pages/plots/PlotsPage.tsx'), 'PlotsPage'),
  }),
  // The series and range the readings page shows live in the address.
  createRoute({
    getParentRoute: () => appRoute,
    path: '/readings',
    validateSearch: readReadingsSearch,
    component: lazyRouteComponent(() => import('./pages/readings/ReadingsPage.tsx'), 'ReadingsPage'),
  }),
  page('/locations', () => import('./pages/locations/LocationsPage.tsx'), 'LocationsPage'),
  page('/models', () => import('./pages/models/ModelsPage.tsx'), 'ModelsPage'),
  page('/models/runs/$id', () => import('./pages/models/RunPage.tsx'), 'RunPage'),
  page('/services', () => import('./pages/services/ServicesPage.tsx'), 'ServicesPage'),
  page('/services/$name', () => import('./pages/services/ServicePage.tsx'), 'ServicePage'),
  page('/users', () => import('./pages/users/UsersPage.tsx'), 'UsersPage'),
  page('/keys', () => import('./pages/keys/KeysPage.tsx'), 'KeysPage'),
  // The audit log's filters live in the address, checked here.
  createRoute({
    getParentRoute: () => appRoute,
    path: '/audit',
    validateSearch: validateAuditSearch,
    component: lazyRouteComponent(() => import('./pages/audit/AuditPage.tsx'), 'AuditPage'),
  }),
  page('/account', () => import('./pages/account/AccountPage.tsx'), 'AccountPage'),
];

const routeTree = rootRoute.addChildren([loginRoute, appRoute.addChildren(pageRoutes)]);

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    scrollRestoration: true,
    parseSearch,
    stringifySearch,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
