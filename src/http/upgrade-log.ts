// WebSocket upgrades in the request log and the request metrics, as every HTTP request is (app.ts's
// onResponse): an opened socket is a 101, a refused one its refusal's status, so an operator sees
// refused and abusive upgrades as well as SSE opens.
import { redactUrl, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { requestIdOf } from './request-id.js';
import type { UpgradeAnswer } from './upgrade.js';

export function upgradeAnswerRecorder(logger: Logger, metrics: Metrics, adminToken: string | null): (answer: UpgradeAnswer) => void {
  return ({ req, status, route, ms }) => {
    const method = req.method ?? 'GET';
    metrics.requests.inc({ method, route, status: String(status) });
    metrics.latency.observe({ method, route }, ms / 1000);
    if (logger.isLevelEnabled('info')) logger.info({ reqId: requestIdOf(req, adminToken), method, url: redactUrl(req.url ?? '/', adminToken), status, ms: Math.round(ms * 10) / 10 }, 'request');
  };
}
