// The whole schema, as drizzle-kit reads it to generate migrations. Readings live in
// partitioned tables that Drizzle cannot describe; they are created by hand-written SQL
// migrations in ../migrations.
export * from './common.ts';
export * from './users.ts';
export * from './locations.ts';
export * from './sensors.ts';
export * from './models.ts';
export * from './services.ts';
export * from './secrets.ts';
export * from './sessions.ts';
export * from './audit.ts';
export * from './api-keys.ts';
export * from './login-throttle.ts';
export * from './schedules.ts';
