import { Type, type Static } from '@sinclair/typebox';

/**
 * Longest e-mail address (RFC 5321's path limit) and password accepted: beyond them a login
 * would only hash megabytes for the throttle and argon2 (the users service refuses longer
 * passwords when they are set, so none can match).
 */
export const MAX_EMAIL_CHARS = 320;
export const MAX_PASSWORD_CHARS = 1024;

export const EmailPassword = Type.Object({
  email: Type.String({ maxLength: MAX_EMAIL_CHARS, examples: ['ada@example.org'] }),
  password: Type.String({ maxLength: MAX_PASSWORD_CHARS }),
});
export type EmailPassword = Static<typeof EmailPassword>;

/** A role, as the API accepts and answers it. */
export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('editor'), Type.Literal('viewer')], {
  description: 'admin: everything; editor: data, readings, models and services; viewer: read only',
});

/** DTBase's create-user body, with the optional role Mirrorbase adds (admin when absent, DTBase's meaning). */
export const NewDtbaseUser = Type.Object({
  email: Type.String({ examples: ['ada@example.org'] }),
  password: Type.String(),
  role: Type.Optional(RoleSchema),
});

export const EmailOnly = Type.Object({ email: Type.String() });
export type EmailOnly = Static<typeof EmailOnly>;

export const EmailList = Type.Array(Type.String());
