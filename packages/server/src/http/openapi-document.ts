import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { openPglite } from '../db/pglite-database.ts';
import { createEvents } from '../events/events.ts';
import { createServices } from '../services.ts';

/**
 * The OpenAPI document of a server with the default settings, as JSON text (two-space indented,
 * newline-terminated), as it is committed in packages/server/openapi.json for the SDK and other
 * generated clients. Builds the whole app over an in-memory PGlite database, which no route
 * touches while the document is generated.
 */
export async function generateOpenApiDocument(): Promise<string> {
  const db = await openPglite(undefined);
  try {
    const config = loadConfig({});
    const events = createEvents({ db });
    // No token is ever issued here; the secret only satisfies the token issuer.
    const services = createServices({ db, config, events, jwtSecret: 'openapi-document-generation-only' });
    const app = await buildApp({ config, services });
    try {
      await app.ready();
      return `${JSON.stringify(app.swagger(), null, 2)}\n`;
    } finally {
      await app.close();
    }
  } finally {
    await db.close();
  }
}
