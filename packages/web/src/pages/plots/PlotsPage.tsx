// Not built yet: this page is being written (issue 10).
export function PlotsPage() {
  return (
    <section>
      <h1>Plots</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
