/**
 * The audit log's filters, kept in the address (/audit?user=...&status=4xx) so a filtered view
 * can be reloaded and shared; only what GET /api/v1/audit takes, each checked here.
 */
export interface AuditSearch {
  user?: string;
  api_key?: number;
  operation?: string;
  route?: string;
  status?: string;
  from?: string;
  to?: string;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const instant = (value: unknown) => {
  const candidate = text(value);
  return candidate && !Number.isNaN(Date.parse(candidate)) ? candidate : undefined;
};

export function validateAuditSearch(search: Record<string, unknown>): AuditSearch {
  const apiKey = Number(search.api_key);
  const status = text(search.status);
  const result: AuditSearch = {
    user: text(search.user),
    api_key: Number.isInteger(apiKey) && apiKey > 0 ? apiKey : undefined,
    operation: text(search.operation),
    route: text(search.route),
    status: status && /^[1-5]([0-9]{2}|xx)$/.test(status) ? status : undefined,
    from: instant(search.from),
    to: instant(search.to),
  };
  // Absent rather than undefined keys: the address then holds only the filters in use.
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== undefined)) as AuditSearch;
}
