// Everything a surface may use: services and read-only configuration. Surfaces get this, never
// the storage internals of another surface.
import type { TokenService } from '../auth/index.js';
import type { Config } from '../config/index.js';
import type { Logger, Metrics } from '../http/index.js';
import type { Storage } from '../storage/index.js';
import type { TenancyService } from '../tenancy/index.js';

export interface AppContext {
  readonly config: Config;
  readonly storage: Storage;
  readonly tokens: TokenService;
  readonly tenancy: TenancyService;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Base for absolute URLs in responses. */
  readonly publicUrl: () => string;
}
