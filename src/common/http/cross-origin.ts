import type { Request } from 'express';

/**
 * Routes that pages on other origins may call without credentials (an embeddable widget, a simulator
 * standing in for a third-party server), each with its own origin allow-list. Everything else keeps
 * the global, credentialed CORS allow-list. Modules register their rules at start-up.
 */
export interface CrossOriginRule {
  /** Path prefix the rule covers, e.g. `/api/veilig-bellen/widget/`. */
  prefix: string;
  /** Request headers a page may send (default `Content-Type`, `Authorization`). */
  allowedHeaders?: string[];
  /** Origins allowed for this request (may depend on the path, e.g. a tenant id), or `*`. */
  allowedOrigins(req: Request): Promise<readonly string[] | '*'>;
}

interface CorsOptionsLike {
  origin: boolean | ((origin: string | undefined, cb: (err: Error | null, allow?: boolean) => void) => void);
  credentials?: boolean;
  methods?: string[];
  allowedHeaders?: string[];
  maxAge?: number;
}

export class CrossOriginRoutes {
  private readonly rules: CrossOriginRule[] = [];

  register(rule: CrossOriginRule): void {
    this.rules.push(rule);
  }

  /** The rule covering this path, if any. */
  ruleFor(path: string): CrossOriginRule | undefined {
    return this.rules.find((r) => path.startsWith(r.prefix));
  }

  /** Whether `origin` may call this request's route (false when no rule covers it). */
  async allows(req: Request, origin: string | undefined): Promise<boolean> {
    const rule = this.ruleFor(req.path);
    if (!rule || !origin) return false;
    const allowed = await rule.allowedOrigins(req);
    return allowed === '*' || allowed.includes(origin);
  }

  /** `cors` options for one request: a registered rule (no credentials), else the global allow-list. */
  async corsOptions(req: Request, globalOrigins: readonly string[]): Promise<CorsOptionsLike> {
    const rule = this.ruleFor(req.path);
    if (!rule) {
      return {
        origin: (origin, cb) => cb(null, !origin || globalOrigins.includes(origin)),
        credentials: true,
      };
    }
    return {
      origin: await this.allows(req, req.header('origin')),
      credentials: false,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: rule.allowedHeaders ?? ['Content-Type', 'Authorization'],
      maxAge: 600,
    };
  }
}
