// What the credentials Capstan mints look like, so that one is recognised wherever it turns up: in a
// logged URL under any name or none, or sent as a request id. `cpk_` public keys are not secret.
import { KEY_PREFIXES } from '../auth/index.js';

const KEY_LIKE = [KEY_PREFIXES.orgTest, KEY_PREFIXES.orgLive, KEY_PREFIXES.appSecret, 'rt_'].join('|');

/**
 * Organization keys (`capout_test_`, `capout_live_`), app secret keys (`csk_`) and realtime tokens
 * (`rt_` + a JWT) not glued to a word before them (`start_` holds no token); webhook secrets (`whsec_`
 * + standard base64); any JWT (contact access tokens; its header always encodes as `eyJ`); and a run of
 * exactly 43 base64url characters, the length of a console session id and of its CSRF token (no id
 * of the API is that long). The prefix a match keeps is captured, for a mask that still says what it hid.
 */
const SHAPE = String.raw`(?<![A-Za-z0-9])(${KEY_LIKE})[A-Za-z0-9._~-]+|(whsec_)[A-Za-z0-9+/=_-]+|(?<![A-Za-z0-9_-])(eyJ)[A-Za-z0-9_-]*\.[A-Za-z0-9._-]+|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`;

const SHAPE_ONCE = new RegExp(SHAPE);
const SHAPE_ALL = new RegExp(SHAPE, 'g');

/** The source of the shapes, for a caller that folds them into a larger pattern. */
export const SECRET_SHAPE_SOURCE = SHAPE;

/** True when `text` holds something shaped like one of Capstan's secrets. */
export function holdsSecret(text: string): boolean {
  return SHAPE_ONCE.test(text);
}

/** `text` with every secret-shaped run replaced by its prefix (when it has one) and `***`. */
export function maskSecrets(text: string): string {
  return text.replace(SHAPE_ALL, (_m, key?: string, webhook?: string, jwt?: string) => `${key ?? webhook ?? jwt ?? ''}***`);
}
