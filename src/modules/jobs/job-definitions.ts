/**
 * Every background job the platform declares, in one place. Start-up fails when a declared job has no
 * processor or two, or a processor handles a job nobody declared. Later modules add their jobs here.
 */
export interface JobDefinition {
  readonly queue: string;
  readonly name: string;
}

export const JOBS = {
  purgeSessions: { queue: 'maintenance', name: 'purge-sessions' },
  aggregateExports: { queue: 'exports', name: 'aggregate' },
  purgeKeys: { queue: 'maintenance', name: 'purge-keys' },
  veiligBellenPurge: { queue: 'maintenance', name: 'veilig-bellen-purge' },
  federationGatewayBatch: { queue: 'federation', name: 'gateway-batch' },
  federationGatewayCallbacks: { queue: 'federation-callbacks', name: 'gateway-callbacks' },
  federationGatewayRetention: { queue: 'maintenance', name: 'federation-gateway-retention' },
  federationMemberUpload: { queue: 'federation', name: 'member-upload' },
  federationMemberDownload: { queue: 'federation', name: 'member-download' },
  identityPurge: { queue: 'maintenance', name: 'identity-purge' },
  disclosureExpire: { queue: 'maintenance', name: 'disclosure-expire' },
} as const satisfies Record<string, JobDefinition>;

export const jobKey = (def: JobDefinition) => `${def.queue}:${def.name}`;
