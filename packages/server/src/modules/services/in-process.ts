/**
 * Writing a service's returned data through the server's own routes, in-process, as the run's
 * actor: the same validation, permissions, key scopes, audit and events as the actor's own
 * request would get, with no network hop and no HTTP client.
 *
 * The dispatcher is late-bound: services are built before the app (services.ts), and the app
 * binds its own `inject` when it is built (buildApp). Until then, and in processes that build
 * no app (the CLI), writing back fails with a clear error that the run records.
 */
import type { TokenIssuer } from '../auth/tokens.ts';
import type { InProcessAnswer, ServiceRequest, WrittenRequest } from './returned-data.ts';
import { writeRequests } from './returned-data.ts';
import type { RunActor } from './services.service.ts';

export interface InProcessPost {
  path: string;
  body: unknown;
  /** A bearer access token. */
  token: string;
}

export type Inject = (request: InProcessPost) => Promise<InProcessAnswer>;

export function createInProcessDispatcher() {
  let inject: Inject | undefined;
  return {
    /** buildApp calls this once with its own app.inject. */
    bind(fn: Inject): void {
      inject = fn;
    },
    post(request: InProcessPost): Promise<InProcessAnswer> {
      if (!inject) return Promise.reject(new Error('this process serves no API to write through'));
      return inject(request);
    },
  };
}

export type InProcessDispatcher = ReturnType<typeof createInProcessDispatcher>;

/** Lifetime of the token a run's writes use; renewed when a long write-back nears its end. */
const ACTOR_TOKEN_SECONDS = 120;
const RENEW_BEFORE_MS = 30_000;

export type WriteBack = (actor: RunActor | undefined, requests: readonly ServiceRequest[]) => Promise<WrittenRequest[]>;

export function createWriteBack(deps: {
  dispatcher: Pick<InProcessDispatcher, 'post'>;
  tokens: Pick<TokenIssuer, 'issueAccessToken'>;
  findUser: (id: number) => Promise<{ email: string; tokensValidAfter: Date } | undefined>;
  clock: () => Date;
}): WriteBack {
  return async (actor, requests) => {
    const user = actor && (await deps.findUser(actor.userId));
    if (!actor || !user) {
      const error = actor ? 'the user who ran the service no longer exists' : 'the run has no user whose credentials could write it';
      return requests.map(([endpoint]) => ({ endpoint, status: null, count: 0, error }));
    }
    let token = '';
    let expiresAtMs = 0;
    const currentToken = async () => {
      const now = deps.clock().getTime();
      if (now < expiresAtMs - RENEW_BEFORE_MS) return token;
      // Like a login's, never dated before tokens_valid_after (it would be refused at once): the
      // run was allowed when it was asked for, and its writes are still checked per request.
      const issuedAtMs = Math.max(now, user.tokensValidAfter.getTime());
      token = await deps.tokens.issueAccessToken({
        email: user.email,
        issuedAtMs,
        seconds: ACTOR_TOKEN_SECONDS,
        ...(actor.apiKeyId == null ? {} : { apiKeyId: actor.apiKeyId }),
      });
      expiresAtMs = Math.floor(issuedAtMs / 1000) * 1000 + ACTOR_TOKEN_SECONDS * 1000;
      return token;
    };
    return writeRequests(requests, async (path, body) => deps.dispatcher.post({ path, body, token: await currentToken() }));
  };
}
