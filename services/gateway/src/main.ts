import { Type } from '@sinclair/typebox';
import { loadConfigOrExit, runServiceProcess } from '@tss/runtime';
import { envSchema, systemClock } from '@tss/service-kit';
import { forwardToServices, gatewayService, KeyRing } from './index';

const Upstreams = envSchema({
  TSS_INTAKE_URL: Type.String({ pattern: '^https?://' }),
  TSS_SLA_TIMER_URL: Type.String({ pattern: '^https?://' }),
  TSS_NOTIFICATION_URL: Type.String({ pattern: '^https?://' }),
  TSS_ESCALATION_URL: Type.String({ pattern: '^https?://' }),
  TSS_RATING_URL: Type.String({ pattern: '^https?://' }),
  TSS_UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
});

// Services mode: the gateway verifies tokens with its own key ring and forwards by prefix.
const upstreams = loadConfigOrExit(Upstreams, 'gateway');
runServiceProcess(gatewayService, {
  keySource: (host) => new KeyRing(host.dataSource, systemClock),
  extendApp: async (app) => {
    await app.register(
      forwardToServices(
        {
          'ticket-intake': upstreams.TSS_INTAKE_URL,
          'sla-timer': upstreams.TSS_SLA_TIMER_URL,
          notification: upstreams.TSS_NOTIFICATION_URL,
          escalation: upstreams.TSS_ESCALATION_URL,
          rating: upstreams.TSS_RATING_URL,
        },
        { timeoutMs: upstreams.TSS_UPSTREAM_TIMEOUT_MS },
      ),
    );
  },
}).catch((error: unknown) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
