import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getPaginationRowModel,
  getSortedRowModel,
  type SortingState,
  useReactTable,
} from '@tanstack/react-table';
import { useId, useState } from 'react';

export interface DataTableProps<T> {
  /** Says what the table holds (its caption, read by screen readers first). */
  caption: string;
  data: readonly T[];
  // biome-ignore lint/suspicious/noExplicitAny: TanStack's column helpers type each column's value separately
  columns: ColumnDef<T, any>[];
  /** Show a text filter over every column. */
  filter?: boolean;
  pageSize?: number;
  empty?: string;
  initialSorting?: SortingState;
}

/**
 * A sortable, filterable, paged table (TanStack Table) with real <table> markup: column
 * headers are buttons that sort, and aria-sort tells screen readers the order.
 */
export function DataTable<T>({
  caption,
  data,
  columns,
  filter = true,
  pageSize = 50,
  empty = 'Nothing here yet.',
  initialSorting = [],
}: DataTableProps<T>) {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const [globalFilter, setGlobalFilter] = useState('');
  const filterId = useId();
  const table = useReactTable({
    data: data as T[],
    columns,
    state: { sorting, globalFilter },
    onSortingChange: setSorting,
    onGlobalFilterChange: setGlobalFilter,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getPaginationRowModel: getPaginationRowModel(),
    initialState: { pagination: { pageSize } },
  });
  const rows = table.getRowModel().rows;
  const pages = table.getPageCount();
  return (
    <div className="data-table">
      {filter && data.length > 0 && (
        <div className="data-table-filter">
          <label htmlFor={filterId}>Filter {caption.toLowerCase()}</label>
          <input
            id={filterId}
            type="search"
            value={globalFilter}
            onChange={(event) => setGlobalFilter(event.target.value)}
            placeholder="Type to filter"
          />
        </div>
      )}
      <div className="table-scroll">
        <table className="striped">
          <caption>{caption}</caption>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const label = header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                    >
                      {header.column.getCanSort() ? (
                        <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                          {label}
                          <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                        </button>
                      ) : (
                        label
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length}>{data.length === 0 ? empty : 'No row matches the filter.'}</td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id}>
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav className="pager" aria-label={`Pages of ${caption.toLowerCase()}`}>
          <button type="button" className="secondary" onClick={() => table.previousPage()} disabled={!table.getCanPreviousPage()}>
            Previous
          </button>
          <span>
            Page {table.getState().pagination.pageIndex + 1} of {pages}
          </span>
          <button type="button" className="secondary" onClick={() => table.nextPage()} disabled={!table.getCanNextPage()}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}
