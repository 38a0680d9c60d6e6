/**
 * Loki ruler alerts (config/loki/rules/alerts.yml): log-based signals Prometheus cannot see. Same table shape
 * as the Prometheus rules (severity, family, runbook), so Alertmanager routes and inhibits them alike and
 * docs/runbooks.md has their sections. The expressions are LogQL metric queries over the labels Alloy sets
 * (`service`, `container`, `project`, `stream`).
 */
import { DC, type AlertGroup } from './monitoring-alert-rule.js';

/** Crash signatures of the runtimes GitMesh uses: V8's fatal errors, Node's uncaught errors, Python tracebacks. */
export const CRASH_PATTERN = 'FATAL ERROR|uncaughtException|Unhandled ?[Pp]romise ?[Rr]ejection|Traceback \\(most recent call last\\)';
const ERROR_PATTERN = '(?i)\\b(error|fatal|panic)\\b';
const logs = (pattern: string, range: string): string => `sum by (service) (count_over_time({service=~".+"} |~ \`${pattern}\` [${range}]))`;

export function lokiAlertGroups(): AlertGroup[] {
  const explore = (pattern: string): string => `Grafana → Explore → Loki: \`{service="<service>"} |~ \\\`${pattern}\\\`\`, the lines around the first hit.`;
  return [
    {
      name: 'logs',
      rules: [
        {
          alert: 'LogErrorRateHigh',
          expr: `${logs(ERROR_PATTERN, '5m')} > 100`,
          for: '10m',
          severity: 'warning',
          summary: 'Service {{ $labels.service }} logs more than 100 errors per 5 minutes',
          description: '{{ $labels.service }} has logged more than 100 lines matching error/fatal/panic per 5 minutes for 10 minutes.',
          runbook: {
            meaning: 'A service keeps failing at something: a dependency is down, a credential expired, or a bug is hit on every request or message.',
            checks: [explore(ERROR_PATTERN), 'The same minute in Grafana → Containers and the service\'s own alerts (queues, edge 5xx).'],
            fixes: ['Fix the dependency or credential the errors name; a bug after a deploy: `make rollback ENV=<environment>`.'],
          },
        },
        {
          alert: 'ServiceCrashLogged',
          expr: `${logs(CRASH_PATTERN, '10m')} > 0`,
          severity: 'warning',
          family: 'service-crash',
          summary: 'Service {{ $labels.service }} logged a crash',
          description: '{{ $labels.service }} logged a fatal error, an uncaught exception or a Python traceback in the last 10 minutes.',
          runbook: {
            meaning: 'A process died or nearly did: V8 ran out of heap ("FATAL ERROR"), an exception was not caught, or Python printed a traceback.',
            checks: [explore(CRASH_PATTERN), `\`${DC} ps <service>\`: did it restart (ContainerRestarting)?`],
            fixes: ['Heap exhaustion: raise the memory limit (size profile). Exceptions: report them upstream with the stack trace.'],
          },
        },
        {
          alert: 'ServiceCrashLooping',
          expr: `${logs(CRASH_PATTERN, '15m')} > 3`,
          severity: 'critical',
          family: 'service-crash',
          summary: 'Service {{ $labels.service }} keeps crashing',
          description: '{{ $labels.service }} logged more than 3 crashes in 15 minutes: it is in a crash loop.',
          runbook: {
            meaning: 'The service crashes again after every restart: it is effectively down.',
            checks: ['The checks of ServiceCrashLogged.', 'Did a deploy, a configuration or a secret change just before the first crash?'],
            fixes: ['Roll back the change (`make rollback ENV=<environment>`), or fix the configuration it reports, then `make up`.'],
          },
        },
      ],
    },
  ];
}
