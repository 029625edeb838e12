/**
 * `npm run build:connect-lambda`: bundles deploy/amazon-connect/lambda/veilig-bellen.ts into
 * dist/amazon-connect/index.js (CommonJS, handler `index.handler`) for the Lambda Node.js 20 runtime.
 * The AWS SDK stays outside the bundle: the runtime provides it.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(__dirname, '..');
const outfile = join(root, 'dist', 'amazon-connect', 'index.js');

void build({
  entryPoints: [join(root, 'deploy', 'amazon-connect', 'lambda', 'veilig-bellen.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'warning',
}).then(() => console.log(`${outfile}: zip it and upload it as the function's code (handler index.handler)`));
