/** The options of a parameter-set picker: `none` first (the value ''), then each set by name. */
export function ParameterSetOptions({ sets, none }: { sets: readonly { id: number; name: string }[] | undefined; none: string }) {
  return (
    <>
      <option value="">{none}</option>
      {sets?.map((set) => (
        <option key={set.id} value={set.name}>
          {set.name}
        </option>
      ))}
    </>
  );
}
