// The Node entry: everything of the main entry, plus serve() and runCli() as functions.
export * from '../index.ts';
export { runCli } from './cli.ts';
export { serve, windowFromHeaders } from './serve.ts';
