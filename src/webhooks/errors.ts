// Webhook failures a caller can act on, with codes of their own; http-errors.ts maps them to the
// HTTP catalogue once, at the edge.

export type WebhookErrorCode =
  /** Not a URL Capstan sends to: unparseable, too long, another scheme, credentials, unresolvable. */
  | 'invalid_url'
  /** The URL names or resolves to a loopback, private, link-local or reserved address. */
  | 'url_not_allowed'
  /** The events filter names a type (or prefix) no event has. */
  | 'unknown_event_type'
  | 'not_found'
  /** The endpoint is disabled: enable it (PATCH) before sending to it. */
  | 'disabled';

export class WebhookError extends Error {
  override readonly name = 'WebhookError';

  constructor(
    readonly code: WebhookErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isWebhookError = (e: unknown): e is WebhookError => e instanceof WebhookError;
