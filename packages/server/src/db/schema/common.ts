import { pgEnum, timestamp } from 'drizzle-orm/pg-core';

/** The four kinds of value DTBase knows, shared by location identifiers, sensor and model measures. */
export const VALUE_DATATYPES = ['string', 'float', 'integer', 'boolean'] as const;
export type ValueDatatype = (typeof VALUE_DATATYPES)[number];
export const valueDatatype = pgEnum('value_datatype', VALUE_DATATYPES);

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const httpMethod = pgEnum('http_method', HTTP_METHODS);

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true });
