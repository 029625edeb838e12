/**
 * Where CRLs come from: configured files or URLs, cached until their nextUpdate (RFC 5280 §5.1.2.5).
 * This is the I/O edge of revocation checking; all I/O is injected (`fetch`, `readFile`, clock) so the
 * backend wires Node's implementations and tests pass fakes. The pure check lives in `crl.ts`.
 */
import { toBytes } from './bytes';
import { CrlSet, type ParsedCrl, parseCrl } from './crl';

/** Supplies the current CRLs; the backend passes `current()` into `verifyCms({ crls })`. */
export interface CrlSource {
  /** The CRLs to use now, refreshing any whose nextUpdate has passed (or is near). */
  current(): Promise<CrlSet>;
}

/** A minimal `fetch` so Node's global fetch, undici or a test fake fit. */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Options of `createCrlSource`. Durations in milliseconds. */
export interface CrlSourceOptions {
  /** `http(s)://` URLs are fetched; anything else is a file path given to `readFile`. */
  readonly locations: readonly string[];
  readonly fetch?: FetchLike;
  readonly readFile?: (path: string) => Promise<Uint8Array>;
  readonly now?: () => Date;
  /** Refresh this long before nextUpdate. Default 10 minutes. */
  readonly refreshMarginMs?: number;
  /** Do not retry a failing location more often than this. Default 1 minute. */
  readonly retryAfterMs?: number;
  /** Per-download timeout. Default 10 s. */
  readonly timeoutMs?: number;
  /** Called when a location cannot be loaded; the last good CRL stays in use until it goes stale. */
  readonly onError?: (location: string, error: unknown) => void;
}

interface Entry {
  crl?: ParsedCrl;
  loadedAt?: number;
  failedAt?: number;
  pending?: Promise<void>;
}

/**
 * Creates a caching CRL source over files and URLs (RFC 5280 §5).
 * A location whose download fails keeps its last good CRL; the verifier then refuses with
 * REVOCATION_UNKNOWN once that CRL is past its nextUpdate, which is the safe outcome.
 */
export function createCrlSource(options: CrlSourceOptions): CrlSource {
  const entries = new Map<string, Entry>(options.locations.map((l) => [l, {}]));
  const now = options.now ?? (() => new Date());
  const margin = options.refreshMarginMs ?? 10 * 60_000;
  const retryAfter = options.retryAfterMs ?? 60_000;
  let set: CrlSet | undefined;
  let setMembers: (ParsedCrl | undefined)[] = [];

  const load = async (location: string): Promise<Uint8Array> => {
    if (/^https?:\/\//i.test(location)) {
      if (!options.fetch) throw new Error('no fetch configured for CRL URLs');
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000);
      try {
        const response = await options.fetch(location, { signal: controller.signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return toBytes(await response.arrayBuffer());
      } finally {
        clearTimeout(timer);
      }
    }
    if (!options.readFile) throw new Error('no readFile configured for CRL files');
    return options.readFile(location);
  };

  const needsRefresh = (entry: Entry, t: number): boolean => {
    if (entry.failedAt !== undefined && t - entry.failedAt < retryAfter) return false;
    if (!entry.crl) return true;
    const next = entry.crl.nextUpdate?.getTime();
    return next === undefined || t >= next - margin;
  };

  const refresh = (location: string, entry: Entry): Promise<void> => {
    entry.pending ??= (async () => {
      try {
        const crl = parseCrl(await load(location));
        // Never replace a CRL by an older one (a replayed or cached download).
        if (!entry.crl || crl.thisUpdate >= entry.crl.thisUpdate) entry.crl = crl;
        entry.loadedAt = now().getTime();
        entry.failedAt = undefined;
      } catch (error) {
        entry.failedAt = now().getTime();
        options.onError?.(location, error);
      } finally {
        entry.pending = undefined;
      }
    })();
    return entry.pending;
  };

  return {
    async current(): Promise<CrlSet> {
      const t = now().getTime();
      await Promise.all([...entries].filter(([, e]) => needsRefresh(e, t)).map(([l, e]) => refresh(l, e)));
      const members = [...entries.values()].map((e) => e.crl);
      // Keep the same CrlSet while nothing changed, so its CRL-signature memo keeps working.
      if (!set || members.length !== setMembers.length || members.some((m, i) => m !== setMembers[i])) {
        set = new CrlSet(members.filter((m): m is ParsedCrl => m !== undefined));
        setMembers = members;
      }
      return set;
    },
  };
}
