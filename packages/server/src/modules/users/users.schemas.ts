import { Type, type Static } from '@sinclair/typebox';

export const EmailPassword = Type.Object({
  email: Type.String({ examples: ['ada@example.org'] }),
  password: Type.String(),
});
export type EmailPassword = Static<typeof EmailPassword>;

export const EmailOnly = Type.Object({ email: Type.String() });
export type EmailOnly = Static<typeof EmailOnly>;

export const EmailList = Type.Array(Type.String());
