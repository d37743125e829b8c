/** Why the web app must be (re)built, or undefined when its build matches the sources. */
export function webStaleReason(): string | undefined;
/** Builds the web app into the server's static root (Vite). */
export function buildWeb(): void;
