// Not built yet: this page is being written (issue 10).
export function SensorTypesPage() {
  return (
    <section>
      <h1>Sensor types</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
