import { Type, type Static } from '@sinclair/typebox';

export const EmailPassword = Type.Object({
  email: Type.String({ examples: ['ada@example.org'] }),
  password: Type.String(),
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
