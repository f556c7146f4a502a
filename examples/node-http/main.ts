// `pnpm demo` / `pnpm example:node-http`: the node:http example, on PORT (default 8080).
import { closeOnSignals, portFromEnv, readyMessage } from '../shared/run.js';
import { DEMO_API_KEY, start } from './server.js';

const running = await start({ port: portFromEnv(8080) });
console.log(readyMessage(running.url, DEMO_API_KEY));
closeOnSignals(() => running.close());
