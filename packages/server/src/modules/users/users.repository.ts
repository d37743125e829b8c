import type { Queryable } from '../../db/database.ts';
import type { Role } from '../auth/permissions.ts';

export interface UserRow {
  id: number;
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
}

const USER_COLUMNS = `id, email, password_hash AS "passwordHash", role, created_at AS "createdAt"`;

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

    /** Inserts unless the e-mail is taken; returns the new row or undefined. */
    async insert(email: string, passwordHash: string, role: Role): Promise<UserRow | undefined> {
      const rows = await db.query<UserRow>(
        `INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3)
         ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [email, passwordHash, role],
      );
      return rows[0];
    },

    async upsertPassword(email: string, passwordHash: string): Promise<void> {
      await db.query(
        `INSERT INTO users (email, password_hash) VALUES ($1, $2)
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = now()`,
        [email, passwordHash],
      );
    },

    async countAdmins(): Promise<number> {
      const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`);
      return n;
    },

    async setRole(email: string, role: Role): Promise<boolean> {
      const rows = await db.query('UPDATE users SET role = $2, updated_at = now() WHERE email = $1 RETURNING id', [email, role]);
      return rows.length > 0;
    },

    async updatePassword(email: string, passwordHash: string): Promise<boolean> {
      const rows = await db.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE email = $1 RETURNING id`, [
        email,
        passwordHash,
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
