/**
 * Identity-based verification, framework-free: the lab-registry client and protocol, the eligibility
 * rules, DSOS/infectiousness labelling of keys, PKCE, the blind-signed upload token (RFC 9474) and the
 * answers the app can get. Shared by the server module, the phone core in `mobile/` and the simulators.
 */
export * from './assurance';
export * from './blind-rsa';
export * from './infectiousness';
export * from './lab-registry';
export * from './pkce';
export * from './refusals';
export * from './rules';
export * from './token-key-encoding';
export * from './upload-token';
