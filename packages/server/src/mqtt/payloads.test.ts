import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import {
  BareValue,
  bareValue,
  instantFromMicros,
  parseMeasurePayload,
  parseSensorPayload,
  parseTimestampField,
  receiptClock,
} from './payloads.ts';
import { topicParser } from './topics.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('MQTT topics', () => {
  const parse = topicParser('mb/site');
  it('reads sensor and measure, ignores the errors topic, refuses the rest', () => {
    expect(parse('mb/site/s-1/temperature')).toEqual({ kind: 'measure', sensor: 's-1', measure: 'temperature' });
    expect(parse('mb/site/s-1')).toEqual({ kind: 'sensor', sensor: 's-1' });
    expect(parse('mb/site/errors/s-1')).toEqual({ kind: 'ignored' });
    expect(parse('mb/site/errors')).toEqual({ kind: 'ignored' });
    for (const topic of [
      'other/s-1',
      'mb/site/',
      'mb/site//m',
      'mb/site/s-1/',
      'mb/site/+/m',
      'mb/site/s/#',
      'mb/site/s/m/x',
      `mb/site/${'s'.repeat(2000)}`,
    ]) {
      expect(parse(topic).kind, topic).toBe('bad');
    }
    expect(parse('mb/site/s-1/a/b')).toMatchObject({ kind: 'bad', sensor: 's-1' });
  });
});

describe('MQTT payloads', () => {
  it('bare values take the measure datatype', () => {
    const parsed = parseMeasurePayload('t', Buffer.from(' 21.5 '));
    expect(parsed).toEqual({ ok: true, readings: [{ measure: 't', value: new BareValue('21.5'), timestamp: undefined }] });
    expect(bareValue('21.5', 'float')).toBe(21.5);
    expect(bareValue('-1e3', 'integer')).toBe(-1000);
    for (const text of ['NaN', 'Infinity', '-Infinity', '0x10', '', '1,5', '1 2']) expect(bareValue(text, 'float'), text).toBeUndefined();
    expect(bareValue('true', 'boolean')).toBe(true);
    expect(bareValue('TRUE', 'boolean')).toBeUndefined();
    expect(bareValue('21.5', 'string')).toBe('21.5');
  });

  it('JSON value and timestamp: ISO with an offset or epoch milliseconds', () => {
    const iso = parseMeasurePayload('t', json({ value: 1, timestamp: '2026-01-01T01:00:00+01:00' }));
    expect(iso).toMatchObject({ ok: true, readings: [{ value: 1, timestamp: { iso: '2026-01-01T00:00:00.000000Z' } }] });
    const ms = parseMeasurePayload('t', json({ value: 'x', timestamp: 1767225600123 }));
    expect(ms).toMatchObject({
      ok: true,
      readings: [{ value: 'x', timestamp: { iso: '2026-01-01T00:00:00.123000Z', time: 1767225600123 } }],
    });
    for (const timestamp of ['2026-01-01T00:00:00', 'yesterday', 1.5, -1e20, 1e20, null, true]) {
      expect(parseMeasurePayload('t', json({ value: 1, timestamp })), String(timestamp)).toMatchObject({ ok: false, reason: 'timestamp' });
    }
    expect(parseTimestampField(253402300800000)).toMatch(/out of range/);
  });

  it('refuses JSON that is not a reading', () => {
    for (const payload of [
      '{"value": 1',
      '{"timestamp": 1}',
      '{"value": [1]}',
      '{"value": null}',
      '{"value": 1, "unit": "C"}',
      '{"value": {"a": 1}}',
    ]) {
      expect(parseMeasurePayload('t', Buffer.from(payload)), payload).toMatchObject({ ok: false, reason: 'payload' });
    }
    expect(parseMeasurePayload('t', Buffer.from([0xff, 0xfe]))).toMatchObject({ ok: false, reason: 'payload' });
  });

  it('a per-sensor object gives one reading per measure at one timestamp', () => {
    const parsed = parseSensorPayload(json({ temperature: 21.5, humidity: 40, on: true, timestamp: '2026-01-01T00:00:00Z' }));
    expect(parsed.ok && parsed.readings.map((r) => [r.measure, r.value, r.timestamp?.iso])).toEqual([
      ['temperature', 21.5, '2026-01-01T00:00:00.000000Z'],
      ['humidity', 40, '2026-01-01T00:00:00.000000Z'],
      ['on', true, '2026-01-01T00:00:00.000000Z'],
    ]);
    for (const payload of ['[1]', '21.5', '{}', '{"timestamp": 1}', '{"a": {"b": 1}}', '{"a": null}']) {
      expect(parseSensorPayload(Buffer.from(payload)), payload).toMatchObject({ ok: false, reason: 'payload' });
    }
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`m${i}`, i]));
    expect(parseSensorPayload(json(many))).toMatchObject({ ok: false, problem: expect.stringContaining('more than 1000') });
  });

  it('deep nesting is refused without a stack overflow', () => {
    const deep = `{"value": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(parseMeasurePayload('t', Buffer.from(deep))).toMatchObject({ ok: false, reason: 'payload' });
  });

  it('times of receipt are microseconds, strictly increasing', () => {
    const clock = receiptClock(() => 1767225600000);
    const a = clock();
    const b = clock();
    expect(a.iso).toBe('2026-01-01T00:00:00.000000Z');
    expect(b.iso).toBe('2026-01-01T00:00:00.000001Z');
    expect(b.time).toBeGreaterThan(a.time);
    expect(instantFromMicros(1767225600123456).iso).toBe('2026-01-01T00:00:00.123456Z');
  });
});

describe('MQTT configuration', () => {
  it('off by default; bridge or embedded, not both', () => {
    expect(loadConfig({}).mqtt.mode).toBe('off');
    expect(loadConfig({ MQTT_URL: 'mqtt://broker:1883' }).mqtt).toMatchObject({
      mode: 'bridge',
      topicRoot: 'mirrorbase',
      shareGroup: 'mirrorbase',
    });
    expect(loadConfig({ MQTT_EMBEDDED: '1' }).mqtt).toMatchObject({ mode: 'embedded', embeddedPort: 1883 });
    expect(() => loadConfig({ MQTT_URL: 'mqtt://b', MQTT_EMBEDDED: '1' })).toThrow(/exclude each other/);
    expect(() => loadConfig({ MQTT_URL: 'http://b' })).toThrow(/MQTT_URL/);
    expect(loadConfig({}).mqtt.clientId).toMatch(/^mirrorbase-/);
  });

  it('refuses wildcards and empty levels in the root and group', () => {
    expect(loadConfig({ MQTT_TOPIC_ROOT: 'plant/a' }).mqtt.topicRoot).toBe('plant/a');
    for (const root of ['a/+', '#', 'a//b', '$SYS', '/a'])
      expect(() => loadConfig({ MQTT_TOPIC_ROOT: root }), root).toThrow(/MQTT_TOPIC_ROOT/);
    expect(() => loadConfig({ MQTT_SHARE_GROUP: 'a/b' })).toThrow(/MQTT_SHARE_GROUP/);
  });
});
