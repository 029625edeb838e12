/**
 * The app's REST client for the national backend: upload diagnosis keys with proof of verification,
 * download the export index and new export files, fetch the published export signing keys.
 * Framework-free; uses the platform `fetch`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { ExportVerificationKey, TemporaryExposureKey } from '../src/protocol/gaen';
import type { ExportIndexEntry, KeyUploadRequest, UploadedKey } from '../src/protocol/key-upload';

export type { ExportIndexEntry };

export interface ProblemBody {
  [member: string]: unknown;
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  reason?: string;
  keyIndex?: number;
}

/** A refusal by the backend, with its problem+json body (`reason` tells the app what to show). */
export class BackendError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
  ) {
    super(`${status} ${problem.title ?? ''}: ${problem.detail ?? problem.type ?? ''}`.trim());
    this.name = 'BackendError';
  }

  /** The last path segment of the problem type, e.g. `upload-token-used`. */
  get slug(): string {
    return (this.problem.type ?? '').split('/').pop() ?? '';
  }
}

export interface UploadOptions {
  /** `Authorization: Bearer <token>` from the identity-based flow (or a test). */
  uploadToken?: string;
  /** Proof that is not a bearer token, e.g. the professional-signed approval. */
  verification?: Record<string, unknown>;
  origin?: string;
  visitedCountries?: string[];
  consentToFederation?: boolean;
  /** A decoy upload (plausible deniability): the server answers alike and stores nothing. */
  decoy?: boolean;
}

/** Converts keys to the upload JSON; `daysSinceOnsetOfSymptoms` is sent only when known. */
export function toUploadedKeys(keys: readonly TemporaryExposureKey[]): UploadedKey[] {
  return keys.map((k) => ({
    key: Buffer.from(k.keyData).toString('base64'),
    rollingStartIntervalNumber: k.rollingStartIntervalNumber,
    rollingPeriod: k.rollingPeriod,
    ...(k.transmissionRiskLevel !== undefined ? { transmissionRiskLevel: k.transmissionRiskLevel } : {}),
    ...(k.daysSinceOnsetOfSymptoms !== undefined
      ? { daysSinceOnsetOfSymptoms: k.daysSinceOnsetOfSymptoms }
      : {}),
  }));
}

/** The request body exactly as uploaded (the professional-signed flow hashes these bytes' content). */
export function uploadRequest(
  keys: readonly TemporaryExposureKey[],
  options: UploadOptions = {},
): KeyUploadRequest {
  return {
    keys: toUploadedKeys(keys),
    ...(options.origin ? { origin: options.origin } : {}),
    ...(options.visitedCountries ? { visitedCountries: options.visitedCountries } : {}),
    consentToFederation: options.consentToFederation ?? false,
    ...(options.verification ? { verification: options.verification } : {}),
    // Pad every upload to a similar size so its length does not tell how many keys it holds.
    padding: randomBytes(randomInt(1024, 2048)).toString('base64'),
  };
}

export class BackendClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** POST /api/v1/diagnosis-keys; resolves with the number of keys stored. */
  async uploadKeys(keys: readonly TemporaryExposureKey[], options: UploadOptions = {}): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.uploadToken) headers.authorization = `Bearer ${options.uploadToken}`;
    if (options.decoy) headers['x-chaff'] = '1';
    const body = await this.json<{ insertedKeys: number }>('/api/v1/diagnosis-keys', {
      method: 'POST',
      headers,
      body: JSON.stringify(uploadRequest(keys, options)),
    });
    return body.insertedKeys;
  }

  /** The region's export files, oldest first; only those after `after` when given. */
  async exportIndex(region: string, after?: string): Promise<ExportIndexEntry[]> {
    const query = after ? `?after=${encodeURIComponent(after)}` : '';
    return (await this.json<{ files: ExportIndexEntry[] }>(`/api/v1/exports/${region}/index.json${query}`))
      .files;
  }

  async downloadExport(entry: Pick<ExportIndexEntry, 'url'>): Promise<Uint8Array> {
    const res = await this.fetchImpl(new URL(entry.url, this.baseUrl));
    if (!res.ok) throw new BackendError(res.status, { detail: await res.text() });
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * Downloads what is new since the last check; returns the files and the name to remember.
   * An app keeps `lastFile` between checks so it never downloads a file twice.
   */
  async downloadNew(region: string, lastFile?: string): Promise<{ files: Uint8Array[]; lastFile?: string }> {
    const entries = await this.exportIndex(region, lastFile);
    const files: Uint8Array[] = [];
    for (const e of entries) files.push(await this.downloadExport(e));
    return { files, lastFile: entries.at(-1)?.name ?? lastFile };
  }

  /** The export signing keys the backend publishes (an app normally has them built in). */
  async signingKeys(): Promise<ExportVerificationKey[]> {
    const body = await this.json<{
      keys: { verificationKeyId: string; verificationKeyVersion: string; publicKey: string }[];
    }>('/.well-known/veilig/export-signing-keys');
    return body.keys.map((k) => ({
      verificationKeyId: k.verificationKeyId,
      verificationKeyVersion: k.verificationKeyVersion,
      publicKey: k.publicKey,
    }));
  }

  async json<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await this.fetchImpl(new URL(path, this.baseUrl), init);
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : {};
    if (!res.ok) throw new BackendError(res.status, body as ProblemBody);
    return body as T;
  }
}
