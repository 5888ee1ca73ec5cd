export { KEY_PREFIXES, generateKey, hashKey, looksLikeKey, type GeneratedKey, type KeyPrefix } from './keys.js';
export { TokenService, type TokenAudience, type VerifiedToken, type IssuedToken } from './tokens.js';
export { authenticateOrgKey, authenticateAppKey, rememberedOrgKey, bearerToken, type OrgPrincipal, type AppPrincipal } from './credentials.js';
export { checkAdminToken, isAdminToken } from './admin.js';
export { CallerIdentifier, countsPerAddress, presentedCredentials, type CallerOptions } from './callers.js';
export { allowedOriginEntry, allowedOriginList, checkAppOrigin, originAllowed } from './origins.js';
export { cacheCredentials, CredentialCache, DEFAULT_CREDENTIAL_CACHE, type CredentialCacheOptions, type RevocationFeed } from './credential-cache.js';
export { ConsoleSessionService, type ConsoleSession, type OpenedConsoleSession } from './console-sessions.js';
export { CONSOLE_COOKIE, consoleCookie, consoleCookieHeader } from './console-cookie.js';
