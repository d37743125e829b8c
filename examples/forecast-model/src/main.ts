// The model as a program (see the README):
//   node --import tsx src/main.ts --params '{"sensor": "ws-1", "measure": "temperature"}'   one run; exit code 1 on failure
//   node --import tsx src/main.ts --serve --port 8081 [--host 0.0.0.0] [--mode return|post]
// Credentials: MIRRORBASE_URL with MIRRORBASE_API_KEY, or MIRRORBASE_EMAIL and MIRRORBASE_PASSWORD.
import { ForecastModel } from './forecast-model.ts';

process.exitCode = await new ForecastModel().runCli(process.argv.slice(2));
