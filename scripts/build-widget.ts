/** `npm run build:widget`: bundles widget/veilig-bellen.ts with yivi-frontend into dist/widget/veilig-bellen.js. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildWidget, WIDGET_BUNDLE } from '../src/modules/veilig-bellen/widget-script';

mkdirSync(dirname(WIDGET_BUNDLE), { recursive: true });
void buildWidget(WIDGET_BUNDLE).then((code) =>
  console.log(`${WIDGET_BUNDLE}: ${(code.length / 1024).toFixed(0)} KiB`),
);
