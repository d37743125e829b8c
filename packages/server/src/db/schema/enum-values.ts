// The values of the database's enums, apart from their Drizzle definitions in common.ts: the
// route schemas need them at run time, and importing Drizzle for them cost ~10 MB of memory.

/** The four kinds of value DTBase knows, shared by location identifiers, sensor and model measures. */
export const VALUE_DATATYPES = ['string', 'float', 'integer', 'boolean'] as const;
export type ValueDatatype = (typeof VALUE_DATATYPES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
