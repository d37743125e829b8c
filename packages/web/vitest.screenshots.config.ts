import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The e2e setup (server template, fresh build), for the screenshot run only.
export default defineConfig({ ...base, test: { ...base.test, include: ['screenshots/**/*.test.ts'] } });
