// Structured JSON logs (pino). Credentials never reach a log line: headers that carry them are
// redacted and `token` / `key` query parameters are masked in every logged URL.
import pino, { type Logger } from 'pino';

const SECRET_QUERY = /([?&](?:token|access_token|api_key|key|signature|X-Amz-Signature|X-Amz-Credential)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1***');
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'capstan' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["capout-api-key"]', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.csrf_token', '*.apiKey', '*.api_key', '*.token', '*.access_token', '*.secret_key', '*.public_key'],
      censor: '***',
    },
  });
}

export type { Logger };
