/**
 * Helpers for the per-module env schemas. Every variable carries a description (it becomes the README
 * configuration table); secrets carry their development default so production can refuse it.
 */
import { z } from 'zod';

export interface EnvMeta {
  description?: string;
  /** A development-only default that `NODE_ENV=production` refuses. */
  devSecret?: string;
  /** A secret: production checks its strength. */
  secret?: boolean;
  /** The value an optional secret takes outside production; production refuses look-alikes of it. */
  developmentValue?: string;
}

export function metaOf(schema: z.ZodType): EnvMeta {
  return (z.globalRegistry.get(schema) as EnvMeta | undefined) ?? {};
}

export const envBool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envInt = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const envList = () =>
  z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

/** A secret with a development default; production must configure its own value. */
export const envSecret = (devDefault: string, description: string, minLength = 32) =>
  z.string().min(minLength).default(devDefault).meta({ description, devSecret: devDefault, secret: true });

/**
 * A secret without a default (the feature is off without it); production checks its strength too.
 * `developmentValue` is what the section maps it to outside production, for demos and tests.
 */
export const envOptionalSecret = (description: string, minLength = 32, developmentValue?: string) =>
  z.string().min(minLength).optional().meta({ description, secret: true, developmentValue });

export type EnvShape = Record<string, z.ZodType>;

/**
 * One module's slice of the configuration: its env variables and how they map into the typed config
 * object under `key`. Cross-field checks return problems naming the variables.
 */
export interface ConfigSection<K extends string, S extends EnvShape, T> {
  key: K;
  title: string;
  shape: S;
  map(
    env: z.output<z.ZodObject<S>>,
    core: { dataDir: string; isProduction: boolean; demoSimulators: boolean; publicUrl: string },
  ): T;
  check?(env: z.output<z.ZodObject<S>>, core: { isProduction: boolean }): string[];
}

export function defineConfigSection<K extends string, S extends EnvShape, T>(
  section: ConfigSection<K, S, T>,
) {
  return section;
}
