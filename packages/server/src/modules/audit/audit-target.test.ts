import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { auditTarget } from './audit-target.ts';

describe('the target of an audited call', () => {
  it('names the identifying fields of path and body, at most two, path first', () => {
    expect(auditTarget({}, { unique_identifier: 's-1', measure_name: 'temperature', readings: [1, 2], timestamps: ['x', 'y'] })).toBe(
      'unique_identifier=s-1 measure_name=temperature',
    );
    expect(auditTarget({ email: 'a@example.org' }, { role: 'viewer', password: 'secret' })).toBe('email=a@example.org');
    expect(auditTarget({ name: 'svc', set: 'p' }, { name: 'other' })).toBe('name=svc set=p');
    expect(auditTarget(undefined, { service_name: 'svc', name: 'p', parameters: { token: 'x' } })).toBe('service_name=svc name=p');
    expect(auditTarget(undefined, { run_id: 12 })).toBe('run_id=12');
  });

  it('never takes a password, a URL, parameters or any field not on its list', () => {
    const body = { email: 'u@example.org', password: 'hunter2-hunter2', url: 'http://user:pw@host/', parameters: { secret: 's' } };
    const target = auditTarget({}, body);
    expect(target).toBe('email=u@example.org');
    expect(auditTarget({}, { password: 'hunter2', token: 't', url: 'http://x' })).toBeNull();
    // A password typed into a login's e-mail field.
    expect(auditTarget({}, { email: 'hunter2-hunter2', password: '' })).toBe('email=(not an e-mail address)');
  });

  it('ignores objects, arrays, empty strings, request streams and bodies that are not objects', () => {
    expect(auditTarget({}, { name: { nested: 'x' }, email: ['a'], unique_identifier: '' })).toBeNull();
    expect(auditTarget({}, Readable.from(['sensor,measure'])) ?? null).toBeNull();
    expect(auditTarget({}, 'text body')).toBeNull();
    expect(auditTarget({}, [{ name: 'x' }])).toBeNull();
    expect(auditTarget(Object.assign(Object.create(null), { uid: 's-9' }), undefined)).toBe('uid=s-9');
  });

  it('shortens long values', () => {
    const target = auditTarget({}, { name: 'n'.repeat(5000) });
    expect(target).toBe(`name=${'n'.repeat(100)}…`);
  });
});
