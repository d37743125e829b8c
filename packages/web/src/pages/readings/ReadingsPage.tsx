// Not built yet: this page is being written (issue 10).
export function ReadingsPage() {
  return (
    <section>
      <h1>Readings</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
