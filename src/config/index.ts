export { OPTIONS, type OptionSpec } from './schema.js';
export { checkServeConfig, loadConfig, publicPathPrefix, shortAdminToken, maskedConfig, parseArgs, repeatedFlag, ConfigError, type Config, type ConfigSources } from './load.js';
export { renderConfigReference } from './reference.js';
