import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from '../../../server/test/helpers/test-app.ts';

/**
 * A small farm twin made through the API, as a person would make it: weather stations with a
 * month of hourly readings, a field grid with the stations installed on it, a temperature
 * forecast model with a run (mean and bounds), and a weather-ingress service (answered by a
 * local HTTP server) with a parameter set, a schedule and one run. The accessibility check and
 * the screenshots look at pages with this data in them.
 *
 * The server must allow loopback services (MIRRORBASE_SERVICE_ALLOWED_HOSTS=127.0.0.1).
 */
export async function seedDemoTwin(ctx: TestContext, now = new Date()): Promise<{ close(): Promise<void> }> {
  const post = async (url: string, body: unknown, expected = [200, 201]) => {
    const res = await ctx.post(url, body);
    if (!expected.includes(res.statusCode)) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res;
  };
  await post('/sensor/insert-sensor-type', {
    name: 'weather-station',
    description: 'A mast with a thermometer, a hygrometer and an anemometer',
    measures: [
      { name: 'temperature', units: 'degC', datatype: 'float' },
      { name: 'humidity', units: 'percent', datatype: 'float' },
      { name: 'wind_speed', units: 'm/s', datatype: 'float' },
    ],
  });
  const stations = [
    { uid: 'ws-north', name: 'North field mast', offset: 0 },
    { uid: 'ws-south', name: 'South field mast', offset: 1.5 },
    { uid: 'ws-greenhouse', name: 'Greenhouse 2', offset: 6 },
  ];
  const hours = 30 * 24;
  const start = Math.floor(now.getTime() / 3_600_000) * 3_600_000 - hours * 3_600_000;
  const timestamps = Array.from({ length: hours }, (_, i) => new Date(start + i * 3_600_000).toISOString());
  const wave = (i: number, period: number) => Math.sin((2 * Math.PI * i) / period);
  for (const [n, station] of stations.entries()) {
    await post('/sensor/insert-sensor', {
      type_name: 'weather-station',
      unique_identifier: station.uid,
      name: station.name,
      notes: 'Installed in March',
    });
    const series: Record<string, number[]> = {
      temperature: timestamps.map((_, i) =>
        round(11 + station.offset + 6 * wave(i - 9, 24) + 2 * wave(i, 24 * 9) + ((i * 7 + n) % 5) * 0.15),
      ),
      humidity: timestamps.map((_, i) => round(72 - 15 * wave(i - 9, 24) + ((i * 3 + n) % 7))),
      wind_speed: timestamps.map((_, i) => round(Math.max(0, 4 + 2.5 * wave(i + n * 5, 37) + ((i * 11) % 9) * 0.2))),
    };
    for (const [measure, values] of Object.entries(series)) {
      await post('/sensor/insert-sensor-readings', { unique_identifier: station.uid, measure_name: measure, readings: values, timestamps });
    }
  }

  await post('/location/insert-location-schema', {
    name: 'field-grid',
    description: 'Metres east and north of the farm gate',
    identifiers: [
      { name: 'x', units: 'm', datatype: 'float' },
      { name: 'y', units: 'm', datatype: 'float' },
    ],
  });
  const spots = [
    { x: 120, y: 340 },
    { x: 95, y: 40 },
    { x: 210, y: 180 },
  ];
  for (const [i, coordinates] of spots.entries()) {
    await post('/location/insert-location-for-schema', { schema_name: 'field-grid', coordinates });
    await post('/sensor/insert-sensor-location', {
      unique_identifier: stations[i].uid,
      schema_name: 'field-grid',
      coordinates,
      installation_datetime: timestamps[0],
    });
  }

  await post('/model/insert-model', { name: 'temperature-forecast' });
  for (const [name, units] of [
    ['temperature_mean', 'degC'],
    ['temperature_lower', 'degC'],
    ['temperature_upper', 'degC'],
  ]) {
    await post('/model/insert-model-measure', { name, units, datatype: 'float' });
  }
  const forecastHours = 48;
  const forecastFrom = start + (hours - forecastHours) * 3_600_000;
  const forecastTimes = Array.from({ length: forecastHours }, (_, i) => new Date(forecastFrom + i * 3_600_000).toISOString());
  const mean = forecastTimes.map((_, i) =>
    round(11 + 6 * wave(hours - forecastHours + i - 9, 24) + 2 * wave(hours - forecastHours + i, 24 * 9)),
  );
  await post('/model/insert-model-run', {
    model_name: 'temperature-forecast',
    scenario_description: 'baseline',
    create_scenario: true,
    sensor_unique_id: 'ws-north',
    sensor_measure: { name: 'temperature', units: 'degC' },
    time_created: new Date(forecastFrom).toISOString(),
    measures_and_values: [
      { measure_name: 'temperature_mean', values: mean, timestamps: forecastTimes },
      { measure_name: 'temperature_lower', values: mean.map((v, i) => round(v - 1 - i * 0.04)), timestamps: forecastTimes },
      { measure_name: 'temperature_upper', values: mean.map((v, i) => round(v + 1 + i * 0.04)), timestamps: forecastTimes },
    ],
  });

  // The weather service: answers a run with no readings to write (a quiet day).
  const service = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  const { port } = service.address() as AddressInfo;
  await post('/service/insert-service', { name: 'weather-ingress', url: `http://127.0.0.1:${port}/ingress`, http_method: 'POST' });
  await post('/service/insert-parameter-set', {
    service_name: 'weather-ingress',
    name: 'north-field',
    parameters: { latitude: 52.2, longitude: 0.12 },
  });
  await post(
    '/api/v1/schedules',
    { name: 'hourly-weather', service: 'weather-ingress', parameter_set: 'north-field', cron: '5 * * * *' },
    [201],
  );
  await post('/service/run-service', { service_name: 'weather-ingress', parameter_set_name: 'north-field' });
  return { close: () => new Promise((resolve) => service.close(() => resolve())) };
}

const round = (value: number) => Math.round(value * 100) / 100;
