import { errorsTopic } from './topics.ts';
import type { BadReason, MqttStats } from './mqtt-stats.ts';

export interface MqttLog {
  info(data: object, message: string): void;
  warn(data: object, message: string): void;
  error(data: object, message: string): void;
}

export interface BadMessage {
  topic: string;
  /** The sensor the topic names, when it names one: the report goes to its errors topic. */
  sensor: string | undefined;
  reason: BadReason;
  problem: string;
}

/** Publishes one report (QoS 0); the bridge's client or the embedded broker. */
export type PublishReport = (topic: string, payload: string) => void;

/** At most this many reports are published, and this many logged, per second; the rest are counted. */
const REPORTS_PER_SECOND = 200;
const LOGS_PER_SECOND = 10;

/**
 * Bad messages: counted by reason, logged with their topic and reason, and published to
 * `<root>/errors/<sensor>` so a device (or its owner) can see why its message was refused. A
 * flood of bad messages (100,000 wrong-typed values) is bounded: past the per-second limits it
 * is only counted, with one log line per second saying how many were not logged.
 */
export function createBadMessageReporter(deps: { root: string; stats: MqttStats; log: MqttLog; now?: () => number }) {
  const now = deps.now ?? Date.now;
  let publish: PublishReport | undefined;
  let second = 0;
  let published = 0;
  let logged = 0;
  let unlogged = 0;

  function roll() {
    const current = Math.floor(now() / 1000);
    if (current === second) return;
    if (unlogged > 0) deps.log.warn({ count: unlogged }, 'mqtt: more bad messages, not logged one by one');
    second = current;
    published = 0;
    logged = 0;
    unlogged = 0;
  }

  return {
    /** Where reports go (set once the broker connection or the embedded broker exists). */
    setPublisher(fn: PublishReport | undefined) {
      publish = fn;
    },
    report(bad: BadMessage) {
      deps.stats.badMessages[bad.reason]++;
      roll();
      const topic = bad.topic.length > 200 ? `${bad.topic.slice(0, 200)}...` : bad.topic;
      if (logged < LOGS_PER_SECOND) {
        logged++;
        deps.log.warn({ topic, reason: bad.reason, problem: bad.problem }, 'mqtt: bad message');
      } else {
        unlogged++;
      }
      if (bad.sensor === undefined || !publish) return;
      if (published >= REPORTS_PER_SECOND) {
        deps.stats.errorReportsSuppressed++;
        return;
      }
      published++;
      publish(
        errorsTopic(deps.root, bad.sensor),
        JSON.stringify({ topic, reason: bad.reason, problem: bad.problem, at: new Date(now()).toISOString() }),
      );
    },
  };
}

export type BadMessageReporter = ReturnType<typeof createBadMessageReporter>;
