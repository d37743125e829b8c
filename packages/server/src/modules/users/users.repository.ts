import type { Queryable } from '../../db/database.ts';
import type { Role } from '../auth/permissions.ts';

export interface UserRow {
  id: number;
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
  /** Tokens issued before this instant are refused (see revokeTokens). */
  tokensValidAfter: Date;
}

const USER_COLUMNS = `id, email, password_hash AS "passwordHash", role, created_at AS "createdAt", tokens_valid_after AS "tokensValidAfter"`;

/**
 * Moves tokens_valid_after past every token issued so far: past `$revokeAt` (the clock, plus a
 * millisecond) and past its own value, so that a second revocation within one millisecond still
 * refuses the tokens issued after the first (their issued-at is at least the old value).
 */
const REVOKED_AFTER = `greatest(users.tokens_valid_after + interval '1 millisecond', $revokeAt::text::timestamptz)`;
const revokedAfter = (param: string) => REVOKED_AFTER.replace('$revokeAt', param);

export function usersRepository(db: Queryable) {
  return {
    async findByEmail(email: string): Promise<UserRow | undefined> {
      const rows = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, [email]);
      return rows[0];
    },

    async findById(id: number): Promise<UserRow | undefined> {
      const rows = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows[0];
    },

    findByIds(ids: readonly number[]): Promise<UserRow[]> {
      return db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::int[])`, [ids]);
    },

    async list(options: { afterId?: number; limit?: number } = {}): Promise<UserRow[]> {
      return db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id > $1 ORDER BY id LIMIT $2`, [
        options.afterId ?? 0,
        options.limit ?? null,
      ]);
    },

    /**
     * Inserts unless the e-mail is taken; returns the new row or undefined. Its tokens are
     * valid from `validFrom` (ISO-8601): a token of an earlier user of the same address is not.
     */
    async insert(email: string, passwordHash: string, role: Role, validFrom: string): Promise<UserRow | undefined> {
      const rows = await db.query<UserRow>(
        `INSERT INTO users (email, password_hash, role, tokens_valid_after) VALUES ($1, $2, $3, $4::text::timestamptz)
         ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [email, passwordHash, role, validFrom],
      );
      return rows[0];
    },

    /** Sets the password, creating the user if need be; an existing user's tokens are revoked at `revokeAt`. */
    async upsertPassword(email: string, passwordHash: string, revokeAt: string): Promise<void> {
      await db.query(
        `INSERT INTO users (email, password_hash, tokens_valid_after) VALUES ($1, $2, $3::text::timestamptz)
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = now(),
           tokens_valid_after = ${revokedAfter('$3')}`,
        [email, passwordHash, revokeAt],
      );
    },

    /** The admins' e-mail addresses, their rows locked until the transaction ends. */
    async lockAdmins(): Promise<string[]> {
      const rows = await db.query<{ email: string }>(`SELECT email FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`);
      return rows.map((row) => row.email);
    },

    async setRole(email: string, role: Role): Promise<boolean> {
      const rows = await db.query('UPDATE users SET role = $2, updated_at = now() WHERE email = $1 RETURNING id', [email, role]);
      return rows.length > 0;
    },

    /** A new password revokes every token issued before `revokeAt` (ISO-8601). */
    async updatePassword(email: string, passwordHash: string, revokeAt: string): Promise<boolean> {
      const rows = await db.query(
        `UPDATE users SET password_hash = $2, updated_at = now(), tokens_valid_after = ${revokedAfter('$3')}
         WHERE email = $1 RETURNING id`,
        [email, passwordHash, revokeAt],
      );
      return rows.length > 0;
    },

    /** Refuses every token of the user issued before `revokeAt` (ISO-8601), and any issued so far. */
    async revokeTokens(email: string, revokeAt: string): Promise<boolean> {
      const rows = await db.query(`UPDATE users SET tokens_valid_after = ${revokedAfter('$2')} WHERE email = $1 RETURNING id`, [
        email,
        revokeAt,
      ]);
      return rows.length > 0;
    },

    async delete(email: string): Promise<boolean> {
      const rows = await db.query(`DELETE FROM users WHERE email = $1 RETURNING id`, [email]);
      return rows.length > 0;
    },

    async count(): Promise<number> {
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users`);
      return rows[0].n;
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
