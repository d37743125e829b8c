// Not built yet: this page is being written (issue 10).
export function SensorsPage() {
  return (
    <section>
      <h1>Sensors</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
