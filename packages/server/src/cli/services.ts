import dns from 'node:dns';
import net from 'node:net';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { HTTP_METHODS, type HttpMethod } from '../db/schema/common.ts';
import { servicesModule } from '../modules/services/index.ts';
import { createAddressPolicy, unbracket } from '../outbound/address-policy.ts';
import { parseCommandArgs, UsageError } from './args.ts';

export const SERVICE_USAGE = `  service register NAME --url URL [--method POST|GET|PUT|DELETE]
                                register a service at URL (POST unless --method says
                                otherwise), or point the one named NAME there: running
                                it again changes nothing (a deployment's install step)
  service list                  list services: name, method, URL (credentials hidden)`;

type WithDatabase = <T>(fn: (db: Database) => Promise<T>) => Promise<T>;

const OPTIONS = { url: { type: 'string' }, method: { type: 'string' } } as const;

const isHttpMethod = (text: string): text is HttpMethod => (HTTP_METHODS as readonly string[]).includes(text);

/**
 * Why the server would refuse to call this URL under this process's address policy, or
 * undefined. Registering never depends on it (the policy is applied when a call is made, with
 * the server's own MIRRORBASE_SERVICE_ALLOWED_HOSTS), but a deployment that forgot to allow an
 * in-cluster host should hear of it at install time rather than at the first run.
 */
async function policyWarning(url: string, config: Config): Promise<string | undefined> {
  const host = unbracket(new URL(url).hostname);
  let addresses: string[];
  if (net.isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true })).map((entry) => entry.address);
    } catch {
      return `${host} does not resolve from here; the server checks its address when it calls`;
    }
  }
  const refusal = createAddressPolicy(config.serviceAllowedHosts).check(host, addresses);
  return refusal && `the server will refuse to call ${host} (${refusal.address} is ${refusal.rule})`;
}

/** `mirrorbase service ...`: the registry's own service and checks, on the database directly. */
export async function serviceCommand(args: string[], withDatabase: WithDatabase, config: () => Config): Promise<void> {
  const { positionals, values } = parseCommandArgs('service', args, OPTIONS, 2);
  const [action, name] = positionals;
  switch (action) {
    case 'register': {
      if (!name) throw new UsageError('mirrorbase service register needs the NAME of the service');
      if (!values.url) throw new UsageError('mirrorbase service register needs --url');
      const method = (values.method ?? 'POST').toUpperCase();
      if (!isHttpMethod(method))
        throw new UsageError(`--method must be one of ${HTTP_METHODS.join(', ')}, not ${JSON.stringify(values.method)}`);
      const outcome = await withDatabase((db) => servicesModule(db).registerService({ name, url: values.url!, httpMethod: method }));
      console.log(`${outcome}: service ${name} (${method})`);
      const warning = await policyWarning(values.url, config());
      if (warning) console.error(`warning: ${warning}`);
      return;
    }
    case 'list': {
      if (name !== undefined || Object.keys(values).length > 0) throw new UsageError('mirrorbase service list takes no arguments');
      for (const service of await withDatabase((db) => servicesModule(db).listServices())) {
        console.log(`${service.name}\t${service.httpMethod}\t${service.url}`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown service command: ${action ?? '(none)'}`);
  }
}
