// The ingress as a program (see the README):
//   node --import tsx src/main.ts --params '{"latitude": 52.52, "longitude": 13.41}'   one run; exit code 1 on failure
//   node --import tsx src/main.ts --serve --port 8080 [--host 0.0.0.0] [--mode return|post]
// Credentials: MIRRORBASE_URL with MIRRORBASE_API_KEY, or MIRRORBASE_EMAIL and MIRRORBASE_PASSWORD.
import { WeatherIngress } from './weather-ingress.ts';

process.exitCode = await new WeatherIngress().runCli(process.argv.slice(2));
