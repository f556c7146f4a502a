// `pnpm example:express`: the Express example, on PORT (default 3000).
import { closeOnSignals, portFromEnv, readyMessage } from '../shared/run.js';
import { DEMO_API_KEY, start } from './server.js';

const running = await start({ port: portFromEnv(3000) });
console.log(readyMessage(running.url, DEMO_API_KEY));
console.log(`\nThe app's own routes still answer, e.g. curl ${running.origin}/api/status`);
closeOnSignals(() => running.close());
