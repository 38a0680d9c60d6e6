/**
 * Queue monitoring: dead-letter queues for the FIFO queues and the ElasticMQ queue exporter.
 *
 * Why dead letters: upstream's consumers leave a message they failed to process on the queue for redelivery
 * (services/libs/sqs/src/queue.ts:160-162 "if error is detected don't delete the message from the queue"),
 * and no receive limit of their own; ElasticMQ redelivers it after the queue's visibility timeout (60 s in
 * config/elasticmq/elasticmq.conf, which declares the queues before upstream's CreateQueue could). On a FIFO
 * queue one such poison message blocks its message group for ever. A redrive policy moves it aside after
 * DEAD_LETTER_MAX_RECEIVES receives (about 50 minutes of failing retries, long enough to ride out a
 * dependency outage), where QueueDeadLetters reports it.
 *
 * Why an exporter of our own: ElasticMQ's stats endpoint (rest-stats, :9325, GET /statistics/queues) reports
 * per queue only approximateNumberOf{Visible,Invisible}Messages and approximateNumberOfMessagesDelayed
 * (org.elasticmq.rest.stats StatisticsJsonFormat), and no Prometheus exporter for it exists. The exporter
 * polls it and derives the age of the oldest message as "seconds since the queue last had no visible
 * message": an upper bound on that age that equals it when consumers are stuck (a FIFO backlog drains
 * oldest first).
 */
import type { DeploymentModel } from '../model.js';

/** Receives before a message moves to its dead-letter queue (60 s visibility timeout → ~50 min of retries). */
export const DEAD_LETTER_MAX_RECEIVES = 50;

export const QUEUE_EXPORTER = { service: 'queue-exporter', port: 9434, statsUrl: 'http://elasticmq:9325/statistics/queues', pollSeconds: 15 } as const;

/** The dead-letter queue of a FIFO queue (a FIFO queue's DLQ must be FIFO too). */
export const deadLetterQueueOf = (queue: string): string => `${queue.replace(/\.fifo$/, '')}-dead-letters.fifo`;

export interface QueueWatch {
  readonly name: string;
  /** Its dead-letter queue, for FIFO queues. */
  readonly deadLetter?: string;
}

/** The queues ElasticMQ declares, each FIFO one with its dead-letter queue; empty when ElasticMQ does not run. */
export function watchedQueues(model: DeploymentModel): QueueWatch[] {
  return model.queues.map((queue) => (queue.fifo ? { name: queue.name, deadLetter: deadLetterQueueOf(queue.name) } : { name: queue.name }));
}

export const deadLetterQueues = (model: DeploymentModel): string[] => watchedQueues(model).flatMap((q) => (q.deadLetter ? [q.deadLetter] : []));
