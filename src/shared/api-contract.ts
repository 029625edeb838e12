/**
 * JSON shapes of the accounts API, shared by the server and the Angular portals so they cannot drift.
 * All paths are under `/api`. Errors are RFC 9457 problem+json (`ProblemDetails`).
 * State-changing requests need the `X-XSRF-TOKEN` header echoing the `XSRF-TOKEN` cookie.
 */

export const roles = ['platform-admin', 'admin', 'clinician', 'agent'] as const;
export type Role = (typeof roles)[number];

export const organisationKinds = ['platform', 'health-authority', 'gp-practice', 'municipality'] as const;
export type OrganisationKind = (typeof organisationKinds)[number];

export interface OrganisationView {
  id: string;
  name: string;
  kind: OrganisationKind;
}

/** GET /api/auth/me, and the body of a successful POST /api/auth/login. */
export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  organisation: OrganisationView;
  /** When true the portal must send the user to change-password before anything else. */
  mustChangePassword: boolean;
}

/** POST /api/auth/login */
export interface LoginRequest {
  email: string;
  password: string;
}

/** POST /api/auth/change-password → 204 */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** GET /api/admin/users (the admin's own organisation; a platform admin may pass ?organisationId=) */
export interface UserView {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  organisationId: string;
  mustChangePassword: boolean;
  locked: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

/** POST /api/admin/users → 201 CreatedUserView */
export interface CreateUserRequest {
  email: string;
  displayName: string;
  roles: Role[];
  /** Only a platform admin may create users in another organisation. */
  organisationId?: string;
}

/** PATCH /api/admin/users/:id → 200 UserView. Roles follow the organisation's kind and the admin's own powers. */
export interface UpdateUserRequest {
  displayName?: string;
  roles?: Role[];
}

/** Shown once to the admin, who hands it over; the user must change it at first login. */
export interface CreatedUserView {
  user: UserView;
  temporaryPassword: string;
}

/** POST /api/admin/users/:id/reset-password → 200 */
export interface ResetPasswordView {
  temporaryPassword: string;
}

/** GET /api/admin/organisations, POST /api/admin/organisations (platform admin only) */
export interface CreateOrganisationRequest {
  name: string;
  kind: Exclude<OrganisationKind, 'platform'>;
}

/** RFC 9457 problem details; `errors` lists field-level validation problems. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string }[];
}

export const passwordPolicy = { minLength: 12, maxLength: 128 } as const;
