// Webhook failures in the project's error catalogue, for the admin surface and the CLI.
import { AppError, type ErrorCode } from '../http/index.js';
import { isWebhookError, type WebhookErrorCode } from './errors.js';

const CATALOGUE: Readonly<Record<WebhookErrorCode, ErrorCode>> = {
  invalid_url: 'invalid_webhook_url',
  url_not_allowed: 'url_not_allowed',
  unknown_event_type: 'unknown_event_type',
  not_found: 'not_found',
  disabled: 'conflict',
};

/** The catalogue error for a webhook failure; anything else passes through unchanged. */
export function webhookHttpError(e: unknown): unknown {
  return isWebhookError(e) ? new AppError(CATALOGUE[e.code], e.message) : e;
}
