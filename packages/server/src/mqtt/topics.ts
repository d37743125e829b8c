/**
 * MQTT topics of Mirrorbase: `<root>/<sensor>/<measure>` (one reading) and `<root>/<sensor>`
 * (several measures of a sensor in one JSON object). `<root>/errors/<sensor>` is where bad
 * messages are reported: the bridge receives its own reports through its subscription and
 * ignores them, so no sensor named `errors` can be written over MQTT.
 */
export type ParsedTopic =
  | { kind: 'measure'; sensor: string; measure: string }
  | { kind: 'sensor'; sensor: string }
  /** Our own errors topic. */
  | { kind: 'ignored' }
  /** `sensor` when the topic names one (its errors topic gets the report). */
  | { kind: 'bad'; problem: string; sensor?: string };

/** Longer topics are refused before anything else is looked at (sensor ids and names are far shorter). */
export const MAX_TOPIC_CHARS = 1000;

export function errorsTopic(root: string, sensor: string): string {
  return `${root}/errors/${sensor}`;
}

/** Whether a topic (as a device sent it) may name a sensor in an errors topic: one level, no wildcard. */
const isPlainLevel = (level: string) => level !== '' && !/[+#/]/.test(level) && !level.includes('\u0000');

export function topicParser(root: string): (topic: string) => ParsedTopic {
  const prefix = `${root}/`;
  return (topic) => {
    if (topic.length > MAX_TOPIC_CHARS) return { kind: 'bad', problem: `topic is longer than ${MAX_TOPIC_CHARS} characters` };
    if (!topic.startsWith(prefix)) return { kind: 'bad', problem: `topic is not under ${root}/` };
    const rest = topic.slice(prefix.length);
    if (rest === 'errors' || rest.startsWith('errors/')) return { kind: 'ignored' };
    const slash = rest.indexOf('/');
    const sensor = slash === -1 ? rest : rest.slice(0, slash);
    if (!isPlainLevel(sensor)) return { kind: 'bad', problem: 'topic has an empty or wildcard sensor level' };
    if (slash === -1) return { kind: 'sensor', sensor };
    const measure = rest.slice(slash + 1);
    if (measure.includes('/')) return { kind: 'bad', problem: `topic has more levels than ${root}/<sensor>/<measure>`, sensor };
    if (!isPlainLevel(measure)) return { kind: 'bad', problem: 'topic has an empty or wildcard measure level', sensor };
    return { kind: 'measure', sensor, measure };
  };
}
