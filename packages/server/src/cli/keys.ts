import type { Database } from '../db/database.ts';
import { isZonedDatetime } from '../http/validation.ts';
import { isKeyScope } from '../modules/auth/permissions.ts';
import { apiKeysModule } from '../modules/api-keys/index.ts';
import type { ApiKey } from '../modules/api-keys/api-keys.service.ts';
import { parseCommandArgs, UsageError } from './args.ts';

export const KEY_USAGE = `  key create EMAIL --name N --scope read|read-write|ingest [--sensors UID,UID] [--expires ISO]
                                create an API key for a user and print it (only this once);
                                an ingest key needs --sensors, the only sensors it may write
  key list [EMAIL]              list API keys (every user's, or one user's); never the secrets
  key revoke ID                 revoke a key: it stops working at once on every server`;

type WithDatabase = <T>(fn: (db: Database) => Promise<T>) => Promise<T>;

const OPTIONS = {
  name: { type: 'string' },
  scope: { type: 'string' },
  sensors: { type: 'string' },
  expires: { type: 'string' },
} as const;

function status(key: ApiKey, now: Date): string {
  if (key.revokedAt) return `revoked ${key.revokedAt.toISOString()}`;
  if (key.expiresAt && key.expiresAt <= now) return `expired ${key.expiresAt.toISOString()}`;
  return 'active';
}

/** One line per key, tab-separated: id, prefix, name, user, scope, sensors, expiry, last use, status. */
function keyLine(key: ApiKey, now: Date): string {
  return [
    key.id,
    `mb_${key.prefix}_…`,
    key.name,
    key.owner,
    key.scope,
    key.sensors ? key.sensors.join(',') : '-',
    key.expiresAt ? `expires ${key.expiresAt.toISOString()}` : 'no expiry',
    key.lastUsedAt ? `used ${key.lastUsedAt.toISOString()}` : 'never used',
    status(key, now),
  ].join('\t');
}

/** `mirrorbase key create|list|revoke`. The operator of the CLI acts as an admin would. */
export async function keyCommand(args: string[], withDatabase: WithDatabase): Promise<void> {
  const { positionals, values } = parseCommandArgs('key', args, OPTIONS, 2);
  const [action, target] = positionals;
  const only = (allowed: (keyof typeof OPTIONS)[]) => {
    const extra = Object.keys(values).find((option) => !allowed.includes(option as keyof typeof OPTIONS));
    if (extra) throw new UsageError(`mirrorbase key ${action} takes no --${extra}`);
  };
  switch (action) {
    case 'create': {
      if (!target) throw new UsageError('mirrorbase key create needs the EMAIL of the user the key acts for');
      if (!values.name) throw new UsageError('mirrorbase key create needs --name');
      const scope = values.scope;
      if (!isKeyScope(scope)) throw new UsageError(`--scope must be read, read-write or ingest, not ${JSON.stringify(scope ?? '')}`);
      const sensors = values.sensors?.split(',').map((uid) => uid.trim());
      if (sensors?.some((uid) => uid === '')) throw new UsageError('--sensors takes unique identifiers separated by commas, none empty');
      if (values.expires !== undefined && !isZonedDatetime(values.expires)) {
        throw new UsageError('--expires takes an ISO-8601 date and time with a UTC offset, e.g. 2027-01-01T00:00:00Z');
      }
      const { key, secret } = await withDatabase((db) =>
        apiKeysModule(db).create({
          owner: target,
          name: values.name!,
          scope,
          sensors: sensors ?? null,
          expiresAt: values.expires === undefined ? null : new Date(values.expires),
        }),
      );
      // The key alone on stdout (KEY=$(mirrorbase key create ...) works); what it is on stderr.
      console.error(`created API key ${key.id} "${key.name}" (${key.scope}) for ${key.owner}; it is shown only this once:`);
      console.log(secret);
      return;
    }
    case 'list': {
      only([]);
      const now = new Date();
      const keys = await withDatabase((db) => apiKeysModule(db).list(target === undefined ? {} : { owner: target }));
      for (const key of keys) console.log(keyLine(key, now));
      return;
    }
    case 'revoke': {
      only([]);
      if (!target || !/^[1-9]\d{0,9}$/.test(target) || Number(target) > 2147483647) {
        throw new UsageError('mirrorbase key revoke needs the ID of a key (see mirrorbase key list)');
      }
      const key = await withDatabase((db) => apiKeysModule(db).revoke(Number(target)));
      console.log(`revoked API key ${key.id} "${key.name}" of ${key.owner}`);
      return;
    }
    default:
      throw new UsageError(`unknown key command: ${action ?? '(none)'}`);
  }
}
