import type { UserRow } from './accounts';

/** The user as the API shows it: never hashes or secrets. */
export interface UserView {
  id: number;
  email: string;
  email_verified: boolean;
  totp_enabled: boolean;
}

export function userView(user: UserRow): UserView {
  return {
    id: user.id,
    email: user.email,
    email_verified: user.email_verified_at !== null,
    totp_enabled: user.totp_enabled_at !== null,
  };
}
