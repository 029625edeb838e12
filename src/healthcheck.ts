/** Container HEALTHCHECK without curl: GET /health/live on the local listener. */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

const port = Number(process.env.PORT ?? 3000);
const tls = Boolean(process.env.TLS_CERT);
const get = tls ? httpsGet : httpGet;
const req = get(
  { host: '127.0.0.1', port, path: '/health/live', timeout: 4000, rejectUnauthorized: false },
  (res) => {
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('error', () => process.exit(1));
req.on('timeout', () => {
  req.destroy();
  process.exit(1);
});
