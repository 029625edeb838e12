/**
 * The one place the portal reaches into the server's framework-free shared folder, so the relative
 * path lives here only. Everything is re-exported unchanged.
 */
export * from '../../../../src/shared/api-contract';
export * from '../../../../src/shared/portal-routes';
export * from '../../../../src/shared/veilig-bellen-contract';
