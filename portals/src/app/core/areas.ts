import { portalAreas, type PortalArea, type Role, type SessionUser } from './contract';

const allAreas: readonly PortalArea[] = Object.values(portalAreas);

export function hasAnyRole(user: SessionUser | null | undefined, roles: readonly Role[]): boolean {
  return !!user && roles.some((role) => user.roles.includes(role));
}

/** The portal areas this user may open, in the order of the shared route table. */
export function areasFor(user: SessionUser | null | undefined): PortalArea[] {
  return allAreas.filter((area) => hasAnyRole(user, area.roles));
}
