// Not built yet: this page is being written (issue 10).
export function LocationsPage() {
  return (
    <section>
      <h1>Locations</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
