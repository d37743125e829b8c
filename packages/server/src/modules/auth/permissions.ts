/**
 * Who may do what. A route declares one permission (or that it is public, or the refresh
 * exchange); a caller is a principal (a user, or an API key acting for its user) holding a set
 * of permissions. The role decides a user's set; a key's scope narrows its user's set further
 * and can never widen it.
 */

/** What a route may require. */
export const PERMISSIONS = [
  /** Locations, schemas, sensors, types, measures, models, scenarios, runs, services: listed and read. */
  'data:read',
  /** The same: created, edited, deleted. */
  'data:write',
  /** Readings read, in every format and on both APIs. */
  'readings:read',
  /** Readings written, by any ingest path (a device key: only for its own sensors). */
  'readings:write',
  /** Services and their parameter sets created, edited, deleted; services run. */
  'services:write',
  /** One's own account: change one's password, log out, manage one's own API keys. */
  'account',
  /** Users created, listed, deleted, their roles and passwords set; every key managed. */
  'users:admin',
  /** The audit log read. */
  'audit:read',
  /** A backup of the whole database taken (GET /api/v1/backup): every row, password and key hashes included. */
  'backup:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * What a route declares: a permission; or 'public' (no credentials), 'authenticated' (any
 * valid credentials, whatever they allow) or 'refresh' (a refresh token, for the exchange).
 */
export type RouteAccess = 'public' | 'authenticated' | 'refresh' | Permission;

export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const VIEWER: Permission[] = ['data:read', 'readings:read', 'account'];
const EDITOR: Permission[] = [...VIEWER, 'data:write', 'readings:write', 'services:write'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(PERMISSIONS),
  editor: new Set(EDITOR),
  viewer: new Set(VIEWER),
};

/**
 * What an API key may do, at most (its user's role may allow less): read only; read and write
 * data, readings and services; or write readings of named sensors only (a device key). No key
 * manages users, keys or passwords, or reads the audit log: those need the person. A read or
 * read-write key of an admin may take a backup (backup:read), for scheduled backups.
 */
export const KEY_SCOPES = ['read', 'read-write', 'ingest'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

// backup:read is in the read scopes so that a scheduled backup (a cron job, a Kubernetes
// CronJob) can run without a person's password; only an admin's key holds it (the role decides
// first), and revoking the key ends it.
const KEY_SCOPE_PERMISSIONS: Record<KeyScope, ReadonlySet<Permission>> = {
  read: new Set(['data:read', 'readings:read', 'backup:read']),
  'read-write': new Set(['data:read', 'data:write', 'readings:read', 'readings:write', 'services:write', 'backup:read']),
  ingest: new Set(['readings:write']),
};

/** Whether a key of some scope may hold this permission (none holds account, users:admin, audit:read). */
export const keyMayHold = (permission: string): boolean =>
  Object.values(KEY_SCOPE_PERMISSIONS).some((allowed) => allowed.has(permission as Permission));

/** Permissions that change something: every call needing one is written to the audit log. */
export const WRITE_PERMISSIONS: ReadonlySet<Permission> = new Set([
  'data:write',
  'readings:write',
  'services:write',
  'account',
  'users:admin',
]);

export interface PrincipalUser {
  id: number;
  email: string;
  role: Role;
}

export interface PrincipalKey {
  id: number;
  name: string;
  scope: KeyScope;
  /** A device key's sensors (unique identifiers); null for keys not limited to sensors. */
  sensors: ReadonlySet<string> | null;
}

/** The caller of a request, once authenticated. */
export interface Principal {
  user: PrincipalUser;
  /** Set when an API key authenticated the call (directly, or through tokens it was exchanged for). */
  apiKey: PrincipalKey | null;
  permissions: ReadonlySet<Permission>;
  /**
   * When the credentials that made this principal stop being valid (the token's `exp`, the
   * key's expiry), in milliseconds since the epoch; absent when they do not expire. A request
   * is over long before; a stream is not, and ends then.
   */
  expiresAtMs?: number;
}

/** The principal, valid no longer than `atMs` as well. */
export function expiringAt(principal: Principal, atMs: number | null | undefined): Principal {
  if (atMs === null || atMs === undefined) return principal;
  const expiresAtMs = principal.expiresAtMs === undefined ? atMs : Math.min(principal.expiresAtMs, atMs);
  return { ...principal, expiresAtMs };
}

export function userPrincipal(user: PrincipalUser): Principal {
  return { user, apiKey: null, permissions: ROLE_PERMISSIONS[user.role] };
}

export function keyPrincipal(user: PrincipalUser, apiKey: PrincipalKey): Principal {
  const allowed = KEY_SCOPE_PERMISSIONS[apiKey.scope];
  return { user, apiKey, permissions: new Set([...ROLE_PERMISSIONS[user.role]].filter((p) => allowed.has(p))) };
}

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return principal.permissions.has(permission);
}

/** Whether the principal may write readings of this sensor (a device key only of its own). */
export function mayWriteSensor(principal: Principal, sensorUid: string): boolean {
  if (!principal.permissions.has('readings:write')) return false;
  return principal.apiKey?.sensors ? principal.apiKey.sensors.has(sensorUid) : true;
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);
export const isKeyScope = (value: unknown): value is KeyScope =>
  typeof value === 'string' && (KEY_SCOPES as readonly string[]).includes(value);
