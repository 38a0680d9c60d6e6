/**
 * Alerts about the work itself: whether the SQS queues (ElasticMQ) drain. Metrics come from the queue
 * exporter (monitoring-queues.ts); `dead_letter` tells a dead-letter queue from a work queue.
 */
import type { DeploymentModel } from '../model.js';
import { DC, type AlertGroup } from './monitoring-alert-rule.js';
import { DEAD_LETTER_MAX_RECEIVES, QUEUE_EXPORTER } from './monitoring-queues.js';
import type { MonitoringView } from './monitoring-view.js';
import { SQS_ACCOUNT } from './wiring.js';

/** Thresholds: a healthy GitMesh queue drains within minutes; an hour-old message is a stuck consumer. */
export const QUEUE_LIMITS = { depth: 1000, ageWarningSeconds: 900, ageCriticalSeconds: 3600 } as const;

const WORK = 'dead_letter="false"';
const DEAD = 'dead_letter="true"';

export function workloadAlerts(_model: DeploymentModel, view: MonitoringView): AlertGroup[] {
  if (!view.queues.length) return [];
  const aws = 'docker run --rm --network <project>_data -e AWS_ACCESS_KEY_ID=x -e AWS_SECRET_ACCESS_KEY=x -e AWS_DEFAULT_REGION=elasticmq amazon/aws-cli --endpoint-url http://elasticmq:9324 sqs';
  const consumerChecks = [
    'Grafana → Explore → Prometheus: `elasticmq_queue_messages_visible` and `elasticmq_queue_messages_in_flight` for this queue.',
    `Which service consumes it: the \`SQS_*_QUEUE\` variables in docs/services.md; \`${DC} ps <service>\` and \`${DC} logs --tail=200 <service>\`.`,
    'Errors while processing leave the message on the queue (upstream retries it after the visibility timeout): look for the same message failing again and again in the logs.',
  ];
  return [
    {
      name: 'queues',
      rules: [
        {
          alert: 'QueueStatsUnavailable',
          expr: 'elasticmq_up == 0',
          for: '5m',
          severity: 'critical',
          summary: "ElasticMQ's queue statistics cannot be read",
          description: `The queue exporter cannot read ${QUEUE_EXPORTER.statsUrl} for 5 minutes: ElasticMQ is down or its stats endpoint is off, and no queue alert can fire.`,
          runbook: {
            meaning: 'ElasticMQ is down (producers and every worker fail) or the exporter cannot reach its rest-stats port.',
            checks: [`\`${DC} ps elasticmq ${QUEUE_EXPORTER.service}\` and their logs.`, '`config/elasticmq/elasticmq.conf`: `rest-stats.enabled = true`, port 9325.'],
            fixes: [`Restart ElasticMQ (\`${DC} up --detach elasticmq\`); its messages persist in the elasticmq-data volume.`],
          },
        },
        {
          alert: 'QueueBacklogHigh',
          expr: `elasticmq_queue_messages_visible{${WORK}} > ${QUEUE_LIMITS.depth}`,
          for: '15m',
          severity: 'warning',
          summary: 'Queue {{ $labels.queue }} holds more than ' + String(QUEUE_LIMITS.depth) + ' waiting messages',
          description: `More than ${QUEUE_LIMITS.depth} messages have been waiting in {{ $labels.queue }} for 15 minutes: its consumers are slower than its producers.`,
          runbook: {
            meaning: 'Work arrives faster than it is processed (a large integration sync, or slow consumers). Not yet stuck: see QueueMessagesStuck for that.',
            checks: consumerChecks,
            fixes: ['Scale the consuming worker (docs/runbooks/scaling.md) if the host has room.', 'Fix a slow dependency (database, OpenSearch) the consumer waits on.'],
          },
        },
        {
          alert: 'QueueOldestMessageOld',
          expr: `elasticmq_queue_oldest_message_age_seconds{${WORK}} > ${QUEUE_LIMITS.ageWarningSeconds}`,
          for: '5m',
          severity: 'warning',
          family: 'queue-message-age',
          summary: 'Queue {{ $labels.queue }} has not drained for more than ' + String(QUEUE_LIMITS.ageWarningSeconds / 60) + ' minutes',
          description: `{{ $labels.queue }} has had waiting messages without a break for more than ${QUEUE_LIMITS.ageWarningSeconds / 60} minutes: its oldest message is at most that old, and exactly that old if nothing consumes it.`,
          runbook: {
            meaning: 'Messages wait longer than usual. The age is measured as the time since the queue was last empty (ElasticMQ reports no message ages), so sustained heavy load also raises it.',
            checks: consumerChecks,
            fixes: ['Consumers down: restart them. Consumers busy: scale them (docs/runbooks/scaling.md).'],
          },
        },
        {
          alert: 'QueueMessagesStuck',
          expr: `elasticmq_queue_oldest_message_age_seconds{${WORK}} > ${QUEUE_LIMITS.ageCriticalSeconds}`,
          for: '5m',
          severity: 'critical',
          family: 'queue-message-age',
          summary: 'Queue {{ $labels.queue }} has not drained for more than an hour',
          description: '{{ $labels.queue }} has had waiting messages without a break for more than an hour: work submitted an hour ago may not have been processed.',
          runbook: {
            meaning: 'A queue is stuck: its consumer is down, wedged, or a failing message blocks a FIFO message group until it reaches the dead-letter queue.',
            checks: [...consumerChecks, 'QueueNotConsumed for the same queue: nothing receives at all.'],
            fixes: [`Restart the consumer: \`${DC} restart <service>\`.`, 'A poison message moves to the dead-letter queue by itself after ' + String(DEAD_LETTER_MAX_RECEIVES) + ' failed receives; see QueueDeadLetters.'],
          },
        },
        {
          alert: 'QueueNotConsumed',
          expr: `elasticmq_queue_messages_visible{${WORK}} > 0 and elasticmq_queue_messages_in_flight{${WORK}} == 0`,
          for: '15m',
          severity: 'critical',
          summary: 'Nothing consumes queue {{ $labels.queue }}',
          description: '{{ $labels.queue }} has had waiting messages and none in flight for 15 minutes: no consumer is receiving from it.',
          runbook: {
            meaning: 'The consumer of this queue is not running, not connected (wrong SQS_* URL or credentials), or not polling.',
            checks: consumerChecks,
            fixes: [`\`${DC} up --detach <service>\`; check its SQS_* variables against config/elasticmq/elasticmq.conf.`],
          },
        },
        {
          alert: 'QueueDeadLetters',
          expr: `elasticmq_queue_messages_visible{${DEAD}} > 0`,
          for: '5m',
          severity: 'warning',
          summary: 'Dead-letter queue {{ $labels.queue }} holds messages',
          description: `Messages that failed ${DEAD_LETTER_MAX_RECEIVES} times moved to {{ $labels.queue }}: that work has not been done.`,
          runbook: {
            meaning: `Each message here failed ${DEAD_LETTER_MAX_RECEIVES} receives in a row on its work queue. The work it stands for (an integration run, a data sink write, a search sync) is not done until it is redriven or dropped.`,
            checks: [
              `Read them without removing them for long: \`${aws} receive-message --queue-url http://elasticmq:9324/${SQS_ACCOUNT}/<dead-letter-queue> --max-number-of-messages 10 --visibility-timeout 30\`.`,
              'Find why they failed: the consumer logs around the time they moved (Grafana → Explore → Loki).',
            ],
            fixes: [
              'Fix the cause (a bug: report it upstream with the message body; a dependency outage: it is over).',
              `Redrive: send each body back to the work queue (\`${aws} send-message --queue-url .../<work-queue> --message-group-id <group> --message-deduplication-id <new-id> --message-body <body>\`) and delete it from the dead-letter queue (\`delete-message\`).`,
              'Drop what must not be replayed: `purge-queue` on the dead-letter queue.',
            ],
          },
        },
      ],
    },
  ];
}
