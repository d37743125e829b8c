import type { Queryable } from '../../db/database.ts';

/** A refresh token's row as the refresh exchange reads it. */
export interface RefreshTokenState {
  familyId: string;
  used: boolean;
  revoked: boolean;
}

/** Every statement on the refresh_token table. Instants are passed as ISO-8601 text. */
export function sessionsRepository(db: Queryable) {
  return {
    async insert(row: { id: string; familyId: string; userId: number; issuedAt: string; expiresAt: string }): Promise<void> {
      await db.query(
        `INSERT INTO refresh_token (id, family_id, user_id, issued_at, expires_at)
         VALUES ($1, $2, $3, $4::text::timestamptz, $5::text::timestamptz)`,
        [row.id, row.familyId, row.userId, row.issuedAt, row.expiresAt],
      );
    },

    /**
     * Marks the user's token used, naming its successor, if it is neither used nor revoked;
     * returns its family then, otherwise undefined. One statement: of two concurrent
     * exchanges of one token, exactly one succeeds.
     */
    async markUsed(id: string, userId: number, usedAt: string, replacedBy: string): Promise<string | undefined> {
      const rows = await db.query<{ familyId: string }>(
        `UPDATE refresh_token SET used_at = $3::text::timestamptz, replaced_by = $4
         WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND revoked_at IS NULL
         RETURNING family_id AS "familyId"`,
        [id, userId, usedAt, replacedBy],
      );
      return rows[0]?.familyId;
    },

    async find(id: string, userId: number): Promise<RefreshTokenState | undefined> {
      const rows = await db.query<RefreshTokenState>(
        `SELECT family_id AS "familyId", used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked
         FROM refresh_token WHERE id = $1 AND user_id = $2`,
        [id, userId],
      );
      return rows[0];
    },

    /** Revokes every token of the family not revoked yet; returns how many. */
    async revokeFamily(familyId: string, revokedAt: string): Promise<number> {
      const rows = await db.query(
        `UPDATE refresh_token SET revoked_at = $2::text::timestamptz WHERE family_id = $1 AND revoked_at IS NULL RETURNING id`,
        [familyId, revokedAt],
      );
      return rows.length;
    },

    /** Deletes the tokens that expired before `before`; returns how many. */
    async deleteExpired(before: string): Promise<number> {
      const [{ n }] = await db.query<{ n: number }>(
        `WITH gone AS (DELETE FROM refresh_token WHERE expires_at < $1::text::timestamptz RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [before],
      );
      return n;
    },
  };
}
