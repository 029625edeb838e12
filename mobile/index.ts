/**
 * The reference app core: what end-to-end tests drive as "the app" and the CLI wraps. Framework-free.
 */
export * from './clock';
export * from './matching/exposure-windows';
export { createKernel, loadNativeAddon, type KernelPreference, type MatchKernel } from './matching/kernel';
export * from './matching/match';
export * from './phone';
export * from './random';
export * from './simulator';
export * from './storage';
