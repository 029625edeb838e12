import { Inject, Injectable } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

// src/modules/veilig-bellen (tests, tsx) or dist/src/modules/veilig-bellen (built).
const repoRoot = join(
  __dirname,
  ...(__dirname.includes(`${'/'}dist${'/'}`) ? ['..', '..', '..', '..'] : ['..', '..', '..']),
);

export const WIDGET_SOURCE = join(repoRoot, 'widget', 'veilig-bellen.ts');
export const WIDGET_BUNDLE = join(repoRoot, 'dist', 'widget', 'veilig-bellen.js');

/**
 * The widget bundle (`npm run build:widget` → dist/widget/veilig-bellen.js). Outside production a
 * missing bundle is built on first request with esbuild, so tests and `npm start` in development
 * need no extra step; production serves only the prebuilt file.
 */
@Injectable()
export class WidgetScript {
  private cached: Promise<string> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  source(): Promise<string> {
    this.cached ??= this.load().catch((err: unknown) => {
      this.cached = null;
      throw err;
    });
    return this.cached;
  }

  private async load(): Promise<string> {
    if (existsSync(WIDGET_BUNDLE)) return readFile(WIDGET_BUNDLE, 'utf8');
    if (this.config.isProduction)
      throw new Error('dist/widget/veilig-bellen.js is missing: run `npm run build:widget`');
    return buildWidget(null);
  }
}

/** Bundles the widget (and yivi-frontend) into one minified IIFE; writes it when `outfile` is given. */
export async function buildWidget(outfile: string | null): Promise<string> {
  // esbuild is a build-time dependency; production images carry the prebuilt bundle instead.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [WIDGET_SOURCE],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2019'],
    platform: 'browser',
    legalComments: 'eof',
    write: outfile !== null,
    outfile: outfile ?? 'veilig-bellen.js',
    logLevel: 'silent',
  });
  if (outfile) return readFile(outfile, 'utf8');
  return result.outputFiles!.find((f) => f.path.endsWith('.js'))!.text;
}
