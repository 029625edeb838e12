/**
 * Client of the lab registry (the national register of test results, like MSIS), over a small REST
 * protocol of our design (docs/identity-verification.md, "Lab registry protocol"):
 *
 *   POST {base}/v1/positive-tests/search
 *   Authorization: Bearer <api key>
 *   { "nationalIdentifier": "…", "sampledOnOrAfter": "YYYY-MM-DD" }
 *
 *   200 { "person": { "birthDate": "YYYY-MM-DD" }, "positiveTests": [ { "sampleDate": "YYYY-MM-DD", "testType": "PCR" } ] }
 *   404 { "error": "unknown-person" }
 *   401/403 bad API key · 400 bad request · 5xx the registry's own trouble
 *
 * The identifier travels in the body, never the URL, so no access log along the way records it. Only
 * positive tests sampled on or after the given day are returned (data minimisation).
 */
import { isIsoDate } from './rules';

export interface PositiveTest {
  /** Day the sample was taken, `YYYY-MM-DD`. */
  sampleDate: string;
  /** `PCR`, `antigen`, …; informative only. */
  testType?: string;
}

/** What the registry knows about a person that the rules need. */
export interface LabPerson {
  birthDate: string;
  positiveTests: PositiveTest[];
}

export class LabRegistryError extends Error {
  constructor(
    message: string,
    /** `unavailable`: timeout, network or 5xx; `rejected`: the registry refused us (4xx); `protocol`: an answer we cannot read. */
    readonly kind: 'unavailable' | 'rejected' | 'protocol',
  ) {
    super(message);
    this.name = 'LabRegistryError';
  }
}

export interface LabRegistryClientOptions {
  apiKey: string;
  /** Whole request budget, ms; past it the registry counts as unavailable. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

export const POSITIVE_TESTS_PATH = '/v1/positive-tests/search';

export class LabRegistryClient {
  private readonly fetchImpl: typeof fetch;

  constructor(
    readonly baseUrl: string,
    private readonly options: LabRegistryClientOptions,
  ) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * Positive tests of a person sampled on or after `sampledOnOrAfter`; null when the registry does not
   * know the person. Throws LabRegistryError (never with the identifier in its message).
   */
  async positiveTests(nationalIdentifier: string, sampledOnOrAfter: string): Promise<LabPerson | null> {
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(
        new URL(POSITIVE_TESTS_PATH.slice(1), this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`),
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({ nationalIdentifier, sampledOnOrAfter }),
          signal: AbortSignal.timeout(this.options.timeoutMs),
          redirect: 'error',
        },
      );
      text = await res.text();
    } catch (e) {
      const timeout = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      throw new LabRegistryError(
        timeout ? `no answer within ${this.options.timeoutMs} ms` : 'network error',
        'unavailable',
      );
    }
    if (res.status === 404) return null;
    if (res.status >= 500) throw new LabRegistryError(`registry answered ${res.status}`, 'unavailable');
    if (!res.ok) throw new LabRegistryError(`registry refused the request with ${res.status}`, 'rejected');
    return parsePerson(text);
  }
}

function parsePerson(text: string): LabPerson {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new LabRegistryError('answer is not JSON', 'protocol');
  }
  const b = body as { person?: { birthDate?: unknown }; positiveTests?: unknown };
  if (!isIsoDate(b?.person?.birthDate) || !Array.isArray(b.positiveTests))
    throw new LabRegistryError('answer lacks person or positiveTests', 'protocol');
  const positiveTests: PositiveTest[] = [];
  for (const t of b.positiveTests as { sampleDate?: unknown; testType?: unknown }[]) {
    if (!isIsoDate(t?.sampleDate)) throw new LabRegistryError('a test lacks a valid sampleDate', 'protocol');
    positiveTests.push({
      sampleDate: t.sampleDate,
      ...(typeof t.testType === 'string' ? { testType: t.testType } : {}),
    });
  }
  return { birthDate: b.person.birthDate, positiveTests };
}
