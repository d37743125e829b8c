const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export interface RangeToolbarProps {
  range: { from: number; to: number; live: boolean };
  /** A new range; `to` undefined means until now. */
  onRange: (from: number, to: number | undefined) => void;
  onReload: () => void;
}

/** Keyboard-reachable zoom and pan: the same re-query a drag across a plot makes. */
export function RangeToolbar({ range, onRange, onReload }: RangeToolbarProps) {
  const span = range.to - range.from;
  const centre = range.from + span / 2;
  /** Past now, the range becomes "until now" again, and live. */
  const go = (from: number, to: number) => onRange(from, to >= Date.now() ? undefined : to);
  return (
    <div className="range-toolbar" role="toolbar" aria-label="Plot range">
      <output aria-live="polite">
        {dateTime.format(range.from)} – {range.live ? 'now' : dateTime.format(range.to)}
      </output>
      <div className="range-buttons">
        <button type="button" className="secondary" onClick={() => go(range.from - span / 2, range.to - span / 2)}>
          ← Earlier
        </button>
        <button type="button" className="secondary" onClick={() => go(centre - span / 4, centre + span / 4)} disabled={span < 2000}>
          Zoom in
        </button>
        <button type="button" className="secondary" onClick={() => go(centre - span, centre + span)}>
          Zoom out
        </button>
        <button type="button" className="secondary" onClick={() => go(range.from + span / 2, range.to + span / 2)} disabled={range.live}>
          Later →
        </button>
        <button type="button" className="secondary outline" onClick={onReload}>
          Reload
        </button>
      </div>
    </div>
  );
}
