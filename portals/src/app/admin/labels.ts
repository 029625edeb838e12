import type { OrganisationKind, Role } from '../core/contract';

/** Roles an organisation admin hands out; `platform-admin` is not assigned from these screens. */
export const assignableRoles = ['admin', 'clinician', 'agent'] as const satisfies readonly Role[];
export type AssignableRole = (typeof assignableRoles)[number];

export const roleLabels: Record<Role, string> = {
  'platform-admin': 'Platform administrator',
  admin: 'Administrator',
  clinician: 'Clinician',
  agent: 'Agent',
};

export const roleDescriptions: Record<AssignableRole, string> = {
  admin: 'Manages the users of this organisation.',
  clinician: 'Confirms disclosure requests in the GP backoffice.',
  agent: 'Answers verified calls in the agent console.',
};

export const organisationKindLabels: Record<OrganisationKind, string> = {
  platform: 'Platform',
  'health-authority': 'Health authority',
  'gp-practice': 'GP practice',
  municipality: 'Municipality',
};
