// Prometheus metrics, one registry per server instance so several can live in one process (tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LOOP_DELAY_RESOLUTION_MS } from '../util/loop-delay.js';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  readonly openConnections: Gauge<'transport'>;
  readonly webhookAttempts: Counter<'outcome'>;
  readonly webhookLatency: Histogram<'outcome'>;
  readonly webhookDelivered: Histogram;
}

export function createMetrics(defaults = true): Metrics {
  const registry = new Registry();
  // The process metrics' loop-delay monitor ticks at the node stats' period, not its own 10 ms.
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'capstan_', eventLoopMonitoringPrecision: LOOP_DELAY_RESOLUTION_MS });
  return {
    registry,
    requests: new Counter({ name: 'capstan_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    latency: new Histogram({
      name: 'capstan_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    openConnections: new Gauge({ name: 'capstan_realtime_open_connections', help: 'Open realtime connections by transport', labelNames: ['transport'], registers: [registry] }),
    webhookAttempts: new Counter({ name: 'capstan_webhook_attempts_total', help: 'Webhook delivery attempts by outcome (success, http_error, gone, redirect, timeout, network, blocked)', labelNames: ['outcome'], registers: [registry] }),
    webhookLatency: new Histogram({
      name: 'capstan_webhook_attempt_duration_seconds',
      help: 'Time from the start of a webhook attempt to its outcome (the answer, or the timeout)',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    webhookDelivered: new Histogram({
      name: 'capstan_webhook_delivery_latency_seconds',
      help: 'Time from a webhook delivery being recorded (its event committed) to the receiver accepting it, retries included',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36_000, 86_400, 259_200],
      registers: [registry],
    }),
  };
}
