import { portalAreas } from '../core/contract';

/** Absolute links inside `/admin` (relative ones break on multi-segment paths like `users/new`). */
export const adminLinks = {
  users: ['/', portalAreas.admin.path, 'users'],
  newUser: ['/', portalAreas.admin.path, 'users', 'new'],
  organisations: ['/', portalAreas.admin.path, 'organisations'],
} as const;
