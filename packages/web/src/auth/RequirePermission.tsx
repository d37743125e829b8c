import type { ReactNode } from 'react';
import { type Permission, useMe } from './permissions.ts';
import { Loading } from '../components/Loading.tsx';

/**
 * Shows the page only to whom the server grants `permission`; anyone else opening its address
 * is told why there is nothing here, instead of meeting a page of failed requests.
 */
export function RequirePermission({ permission, what, children }: { permission: Permission; what: string; children: ReactNode }) {
  const me = useMe();
  if (me.isPending) return <Loading label="Checking your access" />;
  // An error loading /me is shown by the shell already.
  if (me.isError) return null;
  if (!(me.data.permissions as readonly string[]).includes(permission)) {
    return (
      <div role="alert" className="error-message">
        <strong>Not available to you.</strong> {what} needs a role you do not have (you are {article(me.data.user.role)} {me.data.user.role}
        ). Ask an administrator if you need it.
      </div>
    );
  }
  return <>{children}</>;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');
