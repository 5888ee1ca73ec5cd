export { createServer, type CapstanServer, type ServerOptions } from './create-server.js';
export type { AppContext } from './context.js';
export { createServerWhenReachable } from './start-when-reachable.js';
