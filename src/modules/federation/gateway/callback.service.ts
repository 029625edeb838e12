import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import {
  buildCallbackRequestUrl,
  checkCallbackUrl,
  formatUtcDay,
  parseGatewayBatchTag,
  type CallbackUrlCheck,
} from '../../../protocol/efgs';
import { JOBS } from '../../jobs/job-definitions';
import { JobRunner } from '../../jobs/job-runner';
import { CallbackSubscription } from '../entities/callback-subscription.entity';
import { CallbackTask } from '../entities/callback-task.entity';
import { CertificateRegistry } from './certificate-registry.service';

const PRIVATE_RANGE = 'IP Address of callback host is from private IP range.';
const CALLBACK_ID = /^[A-Za-z0-9._~-]{1,64}$/;
/** A leased task is free again this long after the call's timeout, should its worker die mid-call. */
const LEASE_MARGIN_MS = 60_000;

/** A `lookup` that always answers the address we checked (both callback shapes: Node asks for `all` when it races families). */
function pinnedLookup(address: string): LookupFunction {
  const family = address.includes(':') ? 6 : 4;
  return ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (options.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as unknown as LookupFunction;
}

type Delivery = { ok: true } | { ok: false; dropSubscription: boolean; error: string };

/**
 * Callbacks of the gateway (docs/protocols/efgs.md §A8): subscriptions per country, one task per new batch
 * and subscription, delivered in order as `GET <url>?batchTag=…&date=…` with retries; a subscription whose
 * URL fails the safety rules, or that keeps failing, is deleted. The callee's TLS certificate must be a
 * registered CALLBACK certificate of the subscribing country for the URL's host (EFGS checks it in its
 * proxy); we pin it ourselves, and connect to the address we checked so DNS cannot swap it afterwards.
 */
@Injectable()
export class CallbackService {
  private readonly logger = new Logger('EfgsCallbacks');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: CertificateRegistry,
    private readonly jobs: JobRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A country's subscriptions, as `GET /diagnosiskeys/callback` lists them. */
  async list(country: string): Promise<{ callbackId: string; url: string }[]> {
    const rows = await this.dataSource
      .getRepository(CallbackSubscription)
      .find({ where: { country }, order: { createdAt: 'ASC' } });
    return rows.map((r) => ({ callbackId: r.callbackId, url: r.url }));
  }

  /**
   * Creates or updates a subscription after the URL checks of docs/protocols/efgs.md §A8.
   * @returns false when the id or URL is refused (the route answers 400 "Callback URL is invalid").
   */
  async put(country: string, callbackId: string, url: string, now: Date): Promise<boolean> {
    if (!CALLBACK_ID.test(callbackId) || url.length > 1000) return false;
    const check = await this.checkUrl(url, country);
    if (!check.ok) return false;
    const repo = this.dataSource.getRepository(CallbackSubscription);
    const existing = await repo.findOneBy({ country, callbackId });
    if (existing) await repo.update({ id: existing.id }, { url });
    else
      await repo.insert(
        Object.assign(new CallbackSubscription(), { country, callbackId, url, createdAt: now }),
      );
    return true;
  }

  /** Deletes a subscription and its pending tasks; false when the country has no such id. */
  async delete(country: string, callbackId: string): Promise<boolean> {
    const existing = await this.dataSource
      .getRepository(CallbackSubscription)
      .findOneBy({ country, callbackId });
    if (!existing) return false;
    await this.drop(existing.id);
    return true;
  }

  /** Queues one task per subscription and new batch (called by the batching job), then triggers delivery. */
  async announce(tags: readonly string[], now: Date): Promise<void> {
    const subscriptions = await this.dataSource.getRepository(CallbackSubscription).find();
    if (subscriptions.length === 0) return;
    const day = formatUtcDay(now);
    const tasks = subscriptions.flatMap((s) =>
      tags.map((batchTag) => ({
        subscriptionId: s.id,
        batchTag,
        batchDay: parseGatewayBatchTag(batchTag)?.day ?? day,
        retries: 0,
        nextAttemptAt: now,
        lastError: null,
        createdAt: now,
      })),
    );
    await this.dataSource.getRepository(CallbackTask).insert(tasks);
    // Deterministic id: every instance may announce, the deliveries for these batches run once.
    await this.jobs.add(
      JOBS.federationGatewayCallbacks,
      {},
      { jobId: `efgs-callbacks:${tags.at(-1)}`, attempts: 1 },
    );
  }

  /** Delivers due tasks, per subscription in order; returns how many calls succeeded. */
  async deliverDue(now: Date): Promise<number> {
    const { callbackRetryMs, callbackMaxRetries } = this.config.federation.gateway;
    const subscriptions = await this.dataSource.getRepository(CallbackSubscription).find();
    const taskRepo = this.dataSource.getRepository(CallbackTask);
    let delivered = 0;
    for (const subscription of subscriptions) {
      const tasks = await taskRepo.find({ where: { subscriptionId: subscription.id }, order: { id: 'ASC' } });
      for (const task of tasks) {
        if (task.nextAttemptAt > now) break;
        // Lease the task (EFGS's execution lock): only the worker whose update matched calls; another one
        // (the job after batching, the schedule, a second instance) sees it as not due.
        const lease = await taskRepo.update(
          { id: task.id, nextAttemptAt: task.nextAttemptAt, retries: task.retries },
          {
            nextAttemptAt: new Date(
              now.getTime() + 2 * this.config.federation.gateway.callbackTimeoutMs + LEASE_MARGIN_MS,
            ),
          },
        );
        if (lease.affected !== 1) break;
        const result = await this.call(subscription, task);
        if (result.ok) {
          await taskRepo.delete({ id: task.id });
          delivered++;
          continue;
        }
        if (result.dropSubscription || task.retries >= callbackMaxRetries) {
          this.logger.warn(
            { country: subscription.country, callbackId: subscription.callbackId, error: result.error },
            'callback subscription deleted',
          );
          await this.drop(subscription.id);
        } else {
          await taskRepo.update(
            { id: task.id },
            {
              retries: task.retries + 1,
              nextAttemptAt: new Date(now.getTime() + callbackRetryMs),
              lastError: result.error.slice(0, 200),
            },
          );
        }
        break;
      }
    }
    return delivered;
  }

  private async drop(subscriptionId: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.delete(CallbackTask, { subscriptionId });
      await em.delete(CallbackSubscription, { id: subscriptionId });
    });
  }

  /**
   * URL rules of docs/protocols/efgs.md §A8 plus a CALLBACK certificate of `country` registered for the URL's
   * host.
   */
  private async checkUrl(
    url: string,
    country: string,
  ): Promise<CallbackUrlCheck & { thumbprints?: string[] }> {
    let check = await checkCallbackUrl(url, async (host) =>
      (await lookup(host, { all: true })).map((a) => a.address),
    );
    if (!check.ok && check.reason === PRIVATE_RANGE && this.config.federation.gateway.callbackAllowPrivate) {
      const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
      const addresses = /^[\d.]+$|:/.test(host)
        ? [host]
        : (await lookup(host, { all: true })).map((a) => a.address);
      check = { ok: true, url: new URL(url).toString(), host, addresses };
    }
    if (!check.ok) return check;
    const host = check.host.toLowerCase();
    const thumbprints = (await this.registry.callbackCertificates(country))
      .filter((c) => c.host === host)
      .map((c) => c.thumbprint);
    if (thumbprints.length === 0) return { ok: false, reason: 'No CALLBACK certificate for this host' };
    return { ...check, thumbprints };
  }

  private async call(subscription: CallbackSubscription, task: CallbackTask): Promise<Delivery> {
    const check = await this.checkUrl(subscription.url, subscription.country);
    if (!check.ok || !check.thumbprints)
      return {
        ok: false,
        dropSubscription: true,
        error: check.ok ? 'no callback certificate' : check.reason,
      };
    const target = new URL(buildCallbackRequestUrl(subscription.url, task.batchTag, task.batchDay));
    const { callbackTimeoutMs, callbackClient } = this.config.federation.gateway;
    const address = check.addresses[0];
    const pinned = new Set(check.thumbprints);
    return new Promise<Delivery>((resolve) => {
      const req = httpsRequest(
        target,
        {
          method: 'GET',
          headers: { 'User-Agent': 'Veilig-EFGS-Gateway/1' },
          timeout: callbackTimeoutMs,
          servername: /^[\d.]+$|:/.test(check.host) ? undefined : check.host,
          // The callee is trusted by its registered certificate, not by a CA (checked below). A fresh
          // connection per call: a resumed TLS session may not show the peer certificate to pin.
          rejectUnauthorized: false,
          agent: false,
          lookup: pinnedLookup(address),
          ...(callbackClient
            ? { cert: readFileSync(callbackClient.certFile), key: readFileSync(callbackClient.keyFile) }
            : {}),
        },
        (res) => {
          res.resume();
          const peer = (res.socket as TLSSocket).getPeerCertificate();
          const thumbprint = peer?.raw ? createHash('sha256').update(peer.raw).digest('hex') : '';
          if (!pinned.has(thumbprint))
            return resolve({
              ok: false,
              dropSubscription: false,
              error: 'callee certificate is not the registered CALLBACK certificate',
            });
          const status = res.statusCode ?? 0;
          resolve(
            status >= 200 && status < 300
              ? { ok: true }
              : { ok: false, dropSubscription: false, error: `HTTP ${status}` },
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => resolve({ ok: false, dropSubscription: false, error: error.message }));
      req.end();
    });
  }
}
