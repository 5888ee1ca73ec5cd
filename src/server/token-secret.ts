// The HMAC secret for tokens: the configured one, else one generated once and kept in storage so
// every node sharing that storage signs and verifies alike.
import { TokenService } from '../auth/index.js';
import type { Storage } from '../storage/index.js';

export async function resolveTokenSecret(configured: string | null, storage: Storage): Promise<string> {
  return configured ?? storage.settings.getOrInit('token_secret', TokenService.newSecret());
}
