import { pgEnum, timestamp } from 'drizzle-orm/pg-core';
import { HTTP_METHODS, VALUE_DATATYPES } from './enum-values.ts';

export { HTTP_METHODS, VALUE_DATATYPES, type HttpMethod, type ValueDatatype } from './enum-values.ts';

export const valueDatatype = pgEnum('value_datatype', VALUE_DATATYPES);
export const httpMethod = pgEnum('http_method', HTTP_METHODS);

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true });
