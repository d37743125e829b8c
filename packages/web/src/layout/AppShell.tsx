import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { logout } from '../api/client.ts';
import { type Permission, useMe } from '../auth/permissions.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';

interface NavItem {
  to: string;
  label: string;
  /** Shown only to whom the server grants this. */
  needs?: Permission;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Overview' },
  { to: '/plots', label: 'Plots', needs: 'readings:read' },
  { to: '/readings', label: 'Readings', needs: 'readings:read' },
  { to: '/sensors', label: 'Sensors' },
  { to: '/sensor-types', label: 'Sensor types' },
  { to: '/locations', label: 'Locations' },
  { to: '/models', label: 'Models' },
  { to: '/services', label: 'Services' },
  { to: '/users', label: 'Users', needs: 'users:admin' },
  { to: '/audit', label: 'Audit log', needs: 'audit:read' },
  { to: '/keys', label: 'API keys', needs: 'account' },
  { to: '/account', label: 'Account', needs: 'account' },
];

/** The frame of every page after login: a skip link, the navigation, who is logged in, the page. */
export function AppShell() {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [menuOpen, setMenuOpen] = useState(false);
  const permissions = (me.data?.permissions ?? []) as readonly string[];
  const items = NAV.filter((item) => !item.needs || permissions.includes(item.needs));

  async function onLogout() {
    await logout().catch(() => undefined); // ends locally even when the server is unreachable
    queryClient.clear();
    await navigate({ to: '/login' });
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          Mirrorbase
        </Link>
        <button
          type="button"
          className="menu-button secondary outline"
          aria-expanded={menuOpen}
          aria-controls="app-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div className="header-end">
          {me.data && (
            <span className="who" title={me.data.user.email}>
              {me.data.user.email} <small>({me.data.user.role})</small>
            </span>
          )}
          <ThemeToggle />
          <button type="button" className="secondary outline" onClick={onLogout}>
            Log out
          </button>
        </div>
      </header>
      <div className="app-body">
        <nav id="app-nav" aria-label="Main" className={menuOpen ? 'open' : undefined}>
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  activeOptions={{ exact: item.to === '/' }}
                  activeProps={{ 'aria-current': 'page' }}
                  onClick={() => setMenuOpen(false)}
                >
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {me.isError && <ErrorMessage error={me.error} title="Could not load your account" />}
          <Outlet />
        </main>
      </div>
    </div>
  );
}
