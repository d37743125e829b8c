import { buildWeb, webStaleReason } from '../../scripts/build.mjs';

/** The tests drive the built app as the server serves it: rebuilt first when its sources changed (about 2 s). */
export default function buildWebIfStale() {
  if (webStaleReason()) buildWeb();
}
